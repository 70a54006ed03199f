"""Model classes photogenic adds to diffusers (the Emu-style pipeline)."""
