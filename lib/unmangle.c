// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unmangle: undoes the kernel's octal escapes in /proc paths.
 */
#include "config.h"

#include "unmangle.h"

void unmangle(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}
