"""Network history: every network the window had, a way back to each, and the shipped one."""
