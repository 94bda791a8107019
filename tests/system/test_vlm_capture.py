"""From a real captured X screen to the stored observation through a vision model's protocol: `gumd run` under
Xvfb with screen_reader = vlm sends its frames to an OpenAI-compatible server on loopback that decodes each PNG.
No vision weights are involved (none can be downloaded here): the server answers as a VLM would."""

import re
import subprocess

from gumd.api.schemas import ScreenReaderStatus, StatusOut
from gumd.models.ocr import TesseractOcr
from tests.support.daemon import gumd_run
from tests.support.environment import GUMD, require, wait_for
from tests.support.vision_server import Seen, vision_server

VAULT_BG = (0xD6, 0x1F, 0xA3)


def xterm(x, title: str, text: str, tmp, where: str, background: str = "white", first_title: str = "") -> str:
    """An xterm at `where` (clear of the windows other tests leave at the top left) showing `text`; with
    `first_title`, it takes `title` only once the text is shown, so that a capture of that window shows it."""
    f = tmp / (re.sub(r"\W", "_", title) + ".txt")
    f.write_text(text)
    retitle = f"printf '\\033]0;{title}\\007'; " if first_title else ""
    x.spawn(require("xterm"), "-fa", "DejaVu Sans Mono", "-fs", "14", "-bg", background, "-fg", "black",
            "-geometry", f"36x5{where}", "-T", first_title or title, "-e", "bash", "-c",
            f"cat {f}; {retitle}exec sleep 600")
    return x.window(re.escape(title))


def near(colour, target, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target))


def test_a_captured_screen_reaches_the_model_as_a_png_without_the_excluded_window_and_its_answer_is_stored(
        xserver, tmp_path, model_path):
    seen = Seen(answer="An xterm shows notes about the Marigold field trial.")
    settings = ("capture_min_interval_s=0.5", "capture_heartbeat_s=3", "capture_idle_s=30", "capture_cpu_budget=0",
                "screen_reader=vlm", "vlm_model=smolvlm2")
    with vision_server(seen) as server, gumd_run(tmp_path, tmp_path / "data", xserver.env, model_path,
                                                 settings=(*settings, f"vlm_url={server.url}/v1")) as d:
        rule = d.client.add_capture_rule("title", r"ledger of zyx")
        xterm(xserver, "Ledger of Zyxwv", "ZYXWV-HIDDEN balance 991\n", tmp_path, "+880+460", "#D61FA3")
        notes = xterm(xserver, "marigold trial notes", "Marigold field trial, plot 7\n", tmp_path, "+880+60",
                      first_title="opening notes")
        xserver.run("xdotool", "windowactivate", "--sync", notes)
        xserver.run("xdotool", "type", "--delay", "30", "ls")

        def described():  # windows left by other tests on this display may be read too
            return [o for o in d.client.observations(limit=50)
                    if o["text"] == seen.answer and o["title"] == "marigold trial notes"]

        observation = wait_for(described, 90, what="an observation with the model's description")[0]
        status = d.client.status()
        shown = subprocess.run([*GUMD, "--data-dir", str(d.data), "status"], env=d.env, capture_output=True,
                               text=True, timeout=60).stdout
        d.client.remove_capture_rule(rule["id"])
    assert "screen reader: vlm with smolvlm2 at" in shown and "skipped by the hourly budget" in shown
    assert observation["status"] in ("pending", "processing")
    assert set(seen.formats) == {"PNG"}
    for image in seen.images:
        assert not any(near(c, VAULT_BG) for _, c in image.getcolors(1 << 20))  # not a pixel of the excluded window
    image = next(i for i, p in zip(seen.images, seen.prompts) if "marigold trial notes" in p)
    assert image.size == (1024, 640)  # the 1280x800 screen at the model's input size
    assert status["capture"]["frames_blanked"] >= 1  # it was on screen, and painted out
    read_back = " ".join(line.text for line in TesseractOcr().read(image.resize((1280, 800))))
    assert "Marigold" in read_back and "ZYXWV" not in read_back  # the real screen, as captured
    StatusOut.model_validate(status)
    reading = status["screen_reader"]
    assert set(reading) == set(ScreenReaderStatus.model_fields)
    assert reading["mode"] == "vlm" and reading["frames_read"] >= 1 and reading["seconds_per_frame"] is not None
