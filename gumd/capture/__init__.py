"""From observer events to stored observations, as small parts that `Pipeline` composes.

- `schedule`: when to capture (minimum interval, heartbeat, deferred captures) and the CPU budget;
- `presence`: active, idle or locked, and the screen locker;
- `focus`: focus spans, merged ActivityWatch-style;
- `guard`: the exclusions applied to the focused window and to windows elsewhere on screen;
- `handoff`: dedupe, transcription and kept screenshots;
- `writes`: the write, and observations held in memory while the database refuses writes;
- `pipeline`: the capture decision that ties them together; `loop`: the thread that feeds it events;
- `display`: the display the pipeline grabs from (X11 or macOS), and its observers.

Each part reports a typed status; the daemon assembles /v1/status from them.
"""
