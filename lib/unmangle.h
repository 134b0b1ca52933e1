/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unmangle: the paths of /proc/swaps and /proc/self/mountinfo as they are.
 * The kernel's seq_file writes a blank, tab, newline or backslash in a path
 * as an octal escape (\040 for a space), so that fields stay separated by
 * blanks; util-linux calls undoing that unmangling.
 */
#ifndef ZRAMFS_UNMANGLE_H
#define ZRAMFS_UNMANGLE_H

/* Undoes the octal escapes in @s, in place. */
void unmangle(char *s);

#endif
