"""Screens drawn with PIL for the capture tests: black lines of text on white, large enough for Tesseract."""

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def screen_with(*lines: str) -> Image.Image:
    """A 1280x400 screen showing `lines`, one under another."""
    image = Image.new("RGB", (1280, 400), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 28)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 50 * i), line, fill="black", font=font)
    return image
