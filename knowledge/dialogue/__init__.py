"""Understanding a citizen's turn for the dialogue: which situation facts a message gives, what it
asks (aspect, a step of the route in focus) and what kind of message it is (an answer, a question,
a correction, "不确定"). The action server asks for this in one call per turn (api/routes/dialogue.py)."""
