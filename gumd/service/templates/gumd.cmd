@echo off
rem gumd at log-in, from the Startup folder. Written by `gumd service install`; a reinstall overwrites it.
start "gumd" /min ${command}
