"""Many markers at once: the screen and its bootstrap stability."""
