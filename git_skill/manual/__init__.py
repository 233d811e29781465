"""The manual page, generated from the commands' click help when the wheel is built."""
