#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sigterm-race.sh: sigterm.sh with a swapoff(8) of the daemon's loop device
# racing the SIGTERM, as systemd's own swap unit does at shutdown.
ZRAMFS_SIGTERM_RACE=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/sigterm.sh" "$@"
