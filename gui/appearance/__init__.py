"""How the window looks: flowing rows, the zoom level (presentation mode), the light and dark themes."""
