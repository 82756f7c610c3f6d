"""Pure data and logic: notes, the guide, the clock, tag names. No I/O, no Textual, no TinyDB."""
