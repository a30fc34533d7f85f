#!/bin/sh
# FLOTILLA SIMULATOR STAND-IN for systemctl(1) (and reboot/poweroff/halt/shutdown, which link here
# as on Debian) -- not systemd. Lab nodes have no systemd as PID 1; the logic is in systemctl.mjs.
exec /usr/bin/node /usr/lib/flotilla-sim/systemctl.mjs "$(basename "$0")" "$@"
