"""Reading a terminal's screen for the commands its user ran, and nothing else.

A line is a command only when it follows the shell's own prompt and the screen shows that it ran: a
line follows it (its output began, or the next prompt came). The shell's prompt is learnt per terminal
from the cursor line (the last one) when it looks like a prompt (`user@host:dir$`, `[user@host dir]$`,
`bash-5.2$`), or is a bare prompt such as `$` right after the user typed into the terminal. So lines
a command printed (`$ make install`, `gumd doctor   # is the daemon up?`, someone else's
`root@server:~# ...`) are text, not commands. Pager pages (less, more, man) are read for nothing, and
a screen that only repeats commands already counted (scrollback) adds none. A printed line that starts
with the user's own prompt, character for character, cannot be told from a command by the screen alone.
"""

from __future__ import annotations

import re

_PROMPT_LINE = re.compile(r"^(?P<prompt>.{0,80}?[$#%❯>])(?:\s+(?P<command>\S.{0,200}))?$")
_CURSOR = re.compile(r"\s+[|_█▌▋▮]$")  # the cursor after a bare prompt, as OCR may read it
_PROMPT_SHAPE = re.compile(
    r"^(\[[^\]\s][^\]]{0,60}\][$#%]"  # [user@host dir]$
    r"|[\w.-]{0,40}@[\w.-]{1,60}[:\s]?[^\s$#%]{0,80}[$#%❯>]"  # user@host:dir$  user@host dir %
    r"|[\w.~/-]{0,80}:[\w.~/-]{0,80}[$#%]"  # host:dir$
    r"|[\w.-]{1,20}-\d[\d.]{0,8}[$#])$"  # bash-5.2$
)
_PAGER_STATUS = re.compile(r"^(:|\(END\)|--More--.*|.*\(END\)|.*lines? \d+(-\d+)?.*|Manual page .*)$")
PROMPTS_KEPT = 8
HISTORY_KEPT = 200


class Terminal:
    """One terminal window as last seen: its shell's prompts, and the commands already counted."""

    def __init__(self):
        self.prompts: list[str] = []  # learnt from its cursor line, newest last
        self.history: list[str] = []  # the commands counted, oldest first

    def ran(self, text: str, typed: bool = False) -> list[str]:
        """The commands this screen shows that ran since the last one, oldest first; `typed`: keys went to it."""
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        if not lines or _PAGER_STATUS.match(lines[-1].strip()):
            return []
        at_prompt = self._learn(lines[-1], typed)
        seen = [c for c in map(self._command, lines[:-1]) if c]
        if not seen or (not at_prompt and _contains(self.history, seen)):
            return []  # nothing ran, or scrolled back to commands already counted
        new = seen[_overlap(self.history, seen):]
        self.history = (self.history + new)[-HISTORY_KEPT:]
        return new

    def _learn(self, cursor_line: str, typed: bool) -> bool:
        """Learn the prompt the cursor line shows; whether the shell is at its prompt."""
        m = _PROMPT_LINE.match(_CURSOR.sub("", cursor_line))
        if not m:
            return False
        prompt, bare = m.group("prompt"), not m.group("command")
        if not (prompt in self.prompts or _PROMPT_SHAPE.match(prompt) or (typed and bare)):
            return False
        if prompt not in self.prompts:
            self.prompts = (self.prompts + [prompt])[-PROMPTS_KEPT:]
        return True

    def _command(self, line: str) -> str:
        """The command on `line` when it starts with one of this shell's prompts (OCR may drop the space after it)."""
        for prompt in self.prompts:
            if line.startswith(prompt) and (command := " ".join(line[len(prompt):].split())):
                return command
        return ""


def _overlap(old: list[str], new: list[str]) -> int:
    """How many leading items of `new` were already the tail of `old`."""
    for n in range(min(len(old), len(new)), 0, -1):
        if old[-n:] == new[:n]:
            return n
    return 0


def _contains(history: list[str], run: list[str]) -> bool:
    """Whether `run` appears in `history` as a contiguous stretch."""
    n = len(run)
    return any(history[i:i + n] == run for i in range(len(history) - n + 1))
