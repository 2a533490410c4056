"""The bulletin: its content written by the run (content.py), rendered by Quarto (render.py)."""
