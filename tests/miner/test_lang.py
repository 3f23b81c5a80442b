import pytest

from miner.lang import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Average rental prices fell 12% in the quarter.", "en"),
        ("二季度平均租赁价格下降了12%。", "zh"),
        ("英伟达H100的租赁价格约为每小时2.1美元", "zh"),  # Latin words inside Chinese
        ("Lumen占比约40%", "zh"),  # one Latin word, three Chinese characters
        ("The Chinese word 亿 means a hundred million.", "en"),
        ("", "en"),
        ("12,345.6 %", "en"),
        ("決算短信 平成26年3月期", "zh"),  # Japanese: the closest of the two
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected

