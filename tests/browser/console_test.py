#!/usr/bin/python3
"""Browser tests of the web console (saga/admin.h) in real headless Chromium.

Goal: an operator's view works end to end: the saga list shows the demo's sagas, a saga's
timeline matches its history, a failed saga retried from its page ends, and a request without
the (write) token changes nothing.
Method: create_order_demo --processes runs the Create Order walkthrough with four service
processes and --retry-attempts 2, so that order-5 (ConfirmCreateTicket fails twice) stops as
failed; --console serves the console and keeps serving after the walkthrough. Debian's
chromium, chromium-driver and python3-selenium drive the page; the JSON API is the reference.
Never skips: a missing browser or driver is a failure. Budget: about 30 s, at most 90 s.

  console_test.py --demo PATH [--work-dir DIR] [--screenshots DIR]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

FAILED_SAGA = "order-5"
DONE_SAGA = "order-1"


class Demo:
    """The demo with its console, as a child process."""

    def __init__(self, program, work_dir):
        self.dir = tempfile.mkdtemp(prefix="console-test.", dir=work_dir)
        self.log = open(os.path.join(self.dir, "demo.out"), "w+")
        self.proc = subprocess.Popen(
            [program, "--processes", "--retry-attempts", "2", "--data-dir", self.dir,
             "--console", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = self.wait_for(r"console: (http://127\.0\.0\.1:\d+/)", 30)
        self.wait_for(r"console: the demo is done", 60)
        self.read = open(os.path.join(self.dir, "console-read.token")).read().strip()
        self.write = open(os.path.join(self.dir, "console-write.token")).read().strip()

    def wait_for(self, pattern, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.log.seek(0)
            found = re.search(pattern, self.log.read())
            if found:
                return found.group(1) if found.groups() else found.group(0)
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.log.seek(0)
        raise AssertionError("demo never printed %r; its output:\n%s" % (pattern, self.log.read()))

    def call(self, path, token=None, form=None):
        """The JSON API: (status, body)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--user-data-dir=" + profile):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def rendered(driver, wait):
    """Waits until the page rendered the last navigation (console_script.cpp, route())."""
    wait.until(lambda d: d.execute_script(
        "return document.body.dataset.routed !== undefined && "
        "document.body.dataset.routed === document.body.dataset.rendered"))


def listed(driver):
    """The saga ids in the list, read in one step (the page may re-render meanwhile)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#saga-table tbody tr')].map(r => r.dataset.saga)")


def use_token(driver, wait, token):
    field = wait.until(ec.presence_of_element_located((By.ID, "token")))
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "token-save").click()
    rendered(driver, wait)


def open_saga(driver, wait, saga):
    driver.get(driver.current_url.split("#")[0] + "#/saga/" + saga)
    rendered(driver, wait)
    wait.until(ec.text_to_be_present_in_element((By.ID, "saga-id"), saga))
    return wait.until(ec.presence_of_element_located((By.ID, "timeline")))


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok: " + message)


def test_list_shows_the_sagas(demo, driver, wait, shots):
    driver.get(demo.url)
    use_token(driver, wait, demo.read)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#saga-table tbody tr")))
    shown = listed(driver)
    status, body = demo.call("/api/sagas?limit=50", demo.read)
    check(status == 200, "the API lists the sagas")
    check(len(shown) >= 15 and shown == [s["id"] for s in body["sagas"]],
          "the list shows the %d sagas of the API, newest first" % len(shown))
    failed = [r.get_attribute("data-saga") for r in driver.find_elements(
        By.CSS_SELECTOR, "#saga-table tbody tr") if "failed" in r.text]
    check(failed == [FAILED_SAGA], "one saga shows as failed: " + FAILED_SAGA)
    if shots:
        driver.save_screenshot(os.path.join(shots, "console-sagas.png"))
    # Search by id, then the state filter.
    driver.find_element(By.ID, "f-id").send_keys(DONE_SAGA)
    driver.find_element(By.ID, "f-apply").click()
    wait.until(lambda d: listed(d) == [DONE_SAGA])
    check(True, "searching by id shows that saga alone")
    driver.get(demo.url + "#/sagas?state=failed")
    wait.until(lambda d: listed(d) == [FAILED_SAGA])
    check(True, "the state filter shows the failed saga alone")


def test_timeline_matches_history(demo, driver, wait, shots):
    for saga in (DONE_SAGA, FAILED_SAGA):
        timeline = open_saga(driver, wait, saga)
        events = [(li.get_attribute("data-event"), int(li.get_attribute("data-step")))
                  for li in timeline.find_elements(By.TAG_NAME, "li")]
        status, body = demo.call("/api/sagas/%s?history_limit=1000" % saga, demo.read)
        check(status == 200 and events == [(h["event"], h["step"]) for h in body["history"]],
              "the timeline of %s is its history (%d entries)" % (saga, len(events)))
    current = driver.find_elements(By.CSS_SELECTOR, "svg.diagram rect.current")
    check(len(current) == 1 and current[0].get_attribute("data-step") == str(body["step"]),
          "the diagram marks the failed saga's current step (%s)" % body["step_name"])
    if shots:
        driver.save_screenshot(os.path.join(shots, "console-saga.png"))


def test_requests_without_the_token_change_nothing(demo, driver, wait):
    before = demo.call("/api/sagas/" + FAILED_SAGA, demo.read)[1]
    form = {"by": "mallory", "reason": "no token"}
    for token, expected in ((None, 401), ("wrong-token-0123456789", 401), (demo.read, 403)):
        status, body = demo.call("/api/sagas/%s/retry" % FAILED_SAGA, token, form)
        check(status == expected, "a retry with %s gets %d (%s)" % (
            "no token" if token is None else "a wrong token" if token != demo.read
            else "the read token", expected, body.get("error")))
    status, _ = demo.call("/api/sagas/" + FAILED_SAGA)
    check(status == 401, "reading a saga without a token gets 401")
    # The page with the read token only: the action is refused, the saga stays failed.
    open_saga(driver, wait, FAILED_SAGA)
    driver.find_element(By.ID, "action-retry").click()
    driver.find_element(By.ID, "confirm-by").send_keys("reader")
    driver.find_element(By.ID, "confirm-reason").send_keys("should be refused")
    driver.find_element(By.ID, "confirm-ok").click()
    error = wait.until(ec.presence_of_element_located((By.ID, "request-error")))
    check(error.text.startswith("403"), "the page shows the refusal: " + error.text)
    time.sleep(0.5)  # longer than the engine's request poll (200 ms)
    after = demo.call("/api/sagas/" + FAILED_SAGA, demo.read)[1]
    check(after["phase"] == "failed" and after["history_total"] == before["history_total"],
          "the failed saga and its history are unchanged")


def test_failed_saga_retried_from_the_page_ends(demo, driver, wait, shots):
    use_token(driver, wait, demo.write)
    open_saga(driver, wait, FAILED_SAGA)
    driver.find_element(By.ID, "action-retry").click()
    check(driver.find_element(By.ID, "confirm").is_displayed(), "retry asks for confirmation")
    driver.find_element(By.ID, "confirm-cancel").click()
    check(not driver.find_element(By.ID, "confirm").is_displayed(), "cancel sends nothing")
    driver.find_element(By.ID, "action-retry").click()
    by = driver.find_element(By.ID, "confirm-by")
    check(by.get_attribute("value") == "reader", "the form remembers the operator's name")
    by.clear()
    by.send_keys("browser-test")
    driver.find_element(By.ID, "confirm-reason").send_keys("kitchen is back")
    driver.find_element(By.ID, "confirm-ok").click()
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "request-state")))
    state = driver.find_element(By.ID, "request-state").get_attribute("data-state")
    check(state == "applied", "the engine applied the retry")
    saga = None
    for _ in range(100):
        saga = demo.call("/api/sagas/%s?history_limit=1000" % FAILED_SAGA, demo.read)[1]
        if saga["phase"] == "completed":
            break
        time.sleep(0.1)
    check(saga["phase"] == "completed", "the retried saga completed")
    audit = [h for h in saga["history"] if h["event"] == "operator_retried_step"]
    check(len(audit) == 1 and audit[0]["reason"] == "browser-test: kitchen is back",
          "its history keeps who retried it and why: %s" % [
              (h["event"], h["reason"]) for h in saga["history"]])
    driver.refresh()
    wait.until(ec.text_to_be_present_in_element((By.ID, "saga-phase"), "completed"))
    check(True, "the page shows it completed")


def test_dashboard(demo, driver, wait, shots):
    driver.get(demo.url + "#/dashboard")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#breakers tr[data-participant]")))
    names, failed_now = driver.execute_script(
        "return [[...document.querySelectorAll('#breakers tr[data-participant]')]"
        ".map(r => r.dataset.participant).sort(),"
        " document.querySelector('#failed-now .value').textContent]")
    check(names == ["accounting", "consumer", "kitchen", "order"],
          "the dashboard shows the breakers of " + ", ".join(names))
    check(failed_now == "0",
          "no saga is failed now")
    latencies = driver.execute_script(
        "return [...document.querySelectorAll('#breakers tr[data-participant] td.reply-latency')]"
        ".map(td => td.textContent)")
    check(len(latencies) == 4 and all(t.endswith(" ms") for t in latencies),
          "the dashboard shows the reply latency of every participant: " + ", ".join(latencies))
    if shots:
        time.sleep(2.5)  # one refresh, so that the rates have a previous sample
        driver.save_screenshot(os.path.join(shots, "console-dashboard.png"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", required=True)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--screenshots", default=None)
    args = parser.parse_args()
    started = time.monotonic()
    demo = Demo(args.demo, args.work_dir)
    profile = tempfile.mkdtemp(prefix="chromium-profile.", dir=args.work_dir)
    driver = None
    try:
        driver = browser(profile)
        wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))
        test_list_shows_the_sagas(demo, driver, wait, args.screenshots)
        test_timeline_matches_history(demo, driver, wait, args.screenshots)
        test_requests_without_the_token_change_nothing(demo, driver, wait)
        test_failed_saga_retried_from_the_page_ends(demo, driver, wait, args.screenshots)
        test_dashboard(demo, driver, wait, args.screenshots)
    finally:
        if driver is not None:
            driver.quit()
        demo.stop()
        shutil.rmtree(profile, ignore_errors=True)
    print("browser tests passed in %.1f s" % (time.monotonic() - started))
    shutil.rmtree(demo.dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
