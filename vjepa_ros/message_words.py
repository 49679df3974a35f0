"""How a user counts a topic's messages: from 1, the same words for every bag storage."""


def message_words(index: int) -> str:
    """Name a topic's message at 0-based ``index`` as a user counts it, from 1.

    ``message 6 (counting from 1)`` for index 5. For a message the user must find in the bag
    (a damaged one, malformed pixels), the same words for every storage (SQLite3, MCAP).
    """
    return f"message {index + 1} (counting from 1)"
