"""The web page in a real browser: `miner serve` in a subprocess over the demo corpus, driven by
headless Chromium through Selenium (Debian's chromium and chromium-driver; nothing downloaded).

Skips, saying why, when Chromium, its driver or selenium is missing (`make test` installs the
Debian packages when it can). Screenshots go to the test's tmp_path; their paths are printed
(`pytest -s` shows them).
"""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
QUESTION = "What share of AI inference operating cost is electricity?"  # D1: 30% vs 40%
D1_SOURCES = ("datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf", "ai-power-cost-cn.pdf")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1100", "--lang=en-US",
)
WAIT = 60  # seconds; an answer takes a second or two, more on a busy machine


@pytest.fixture(scope="module")
def server(live_server):
    return live_server.wait()


@pytest.fixture(scope="module")
def driver(server, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")  # fresh, and cleaned up with pytest's tmp
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        # Selenium Manager never runs (both paths are given); should it, it must not download.
        mp.setenv("SE_OFFLINE", "true")
        mp.setenv("SE_AVOID_STATS", "true")
        browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def wait_for(driver, condition, what: str):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}; the page says:\n{driver.find_element('tag name', 'body').text[:2000]}")


def screenshot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def tab(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f'nav a[data-tab="{name}"]').click()
    wait_for(driver, lambda d: d.find_element(By.ID, name).is_displayed(), f"the {name} tab")


def test_ask_shows_figure_source_and_conflict(driver, server, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(server.url + "/")
    health = httpx.get(server.url + "/healthz").json()
    wait_for(driver, lambda d: f"{health['documents']} documents" in d.find_element(By.ID, "health").text, "the health line")

    box = driver.find_element(By.ID, "question")
    box.send_keys(QUESTION)
    driver.find_element(By.CSS_SELECTOR, "#ask-form button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#figure, #answer .check.error"), "the answer")
    if errors := driver.find_elements(By.CSS_SELECTOR, "#answer .check.error"):
        pytest.fail(f"the page shows an error instead of an answer: {errors[0].text}\n{server.output()[-3000:]}")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#answer .check.conflict"), "a conflict")
    path = screenshot(driver, tmp_path / "ask.png")
    assert path.stat().st_size > 10_000

    figure = driver.find_element(By.ID, "figure").text
    assert figure in ("30%", "40%"), figure
    answer = driver.find_element(By.ID, "answer").text
    assert any(source in answer for source in D1_SOURCES), answer
    conflict = driver.find_element(By.CSS_SELECTOR, "#answer .check.conflict")
    assert conflict.is_displayed()
    assert "conflict" in conflict.text and "30" in conflict.text and "40" in conflict.text
    assert "Sources disagree" in answer


def test_claims_tab_lists_and_filters(driver, server, tmp_path):
    from selenium.webdriver.common.by import By

    total = httpx.get(server.url + "/healthz").json()["claims"]
    tab(driver, "claims")
    wait_for(driver, lambda d: f"{total} claims" in d.find_element(By.ID, "claims-table").text, "the claims table")
    rows = driver.find_elements(By.CSS_SELECTOR, "#claims-table tr")
    assert len(rows) == total + 1  # and a header row

    driver.find_element(By.ID, "f-entity").send_keys("稀宇科技")
    driver.find_element(By.CSS_SELECTOR, "#claims-form button").click()
    wait_for(driver, lambda d: f"{total} claims" not in d.find_element(By.ID, "claims-table").text, "the filtered table")
    cells = [r.find_elements(By.TAG_NAME, "td") for r in driver.find_elements(By.CSS_SELECTOR, "#claims-table tr")[1:]]
    assert cells and {c[0].text for c in cells} == {"MiniMax"}
    screenshot(driver, tmp_path / "claims.png")


def test_chart_tab_plots_a_metric(driver, server, tmp_path):
    from selenium.webdriver.common.by import By

    tab(driver, "chart")
    driver.find_element(By.ID, "c-metric").send_keys("share")
    driver.find_element(By.ID, "c-entity").send_keys("Chinese models")
    driver.find_element(By.CSS_SELECTOR, "#chart-form button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-box svg circle"), "the chart")
    points = driver.find_elements(By.CSS_SELECTOR, "#chart-box svg circle")
    rows = httpx.get(server.url + "/metrics", params={"metric": "share", "entity": "Chinese models"}).json()
    assert len(points) == len([r for r in rows if r["unit"] == rows[0]["unit"]])
    text = driver.find_element(By.ID, "chart-box").text
    assert "openrouter-model-family-shares.pdf" in text  # the legend names the sources
    assert "2026-02" in text  # a period on the axis
    screenshot(driver, tmp_path / "chart.png")


def test_conflicts_tab_lists_every_conflict(driver, server, tmp_path):
    from selenium.webdriver.common.by import By

    expected = httpx.get(server.url + "/conflicts").json()
    tab(driver, "conflicts")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#conflict-list .check.conflict"), "the conflicts")
    shown = driver.find_elements(By.CSS_SELECTOR, "#conflict-list .check.conflict")
    assert len(shown) == len(expected)
    assert any("30%" in s.text and "40%" in s.text for s in shown)
    screenshot(driver, tmp_path / "conflicts.png")


def test_no_errors_in_the_browser_or_the_server(driver, server):
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    log = server.output()
    assert "Traceback" not in log and "unexpected error" not in log, log
