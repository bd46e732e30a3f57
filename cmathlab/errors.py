"""The one exception type for bad input: the CLI turns it into one line and exit status 2."""


class BadInput(Exception):
    """Input a user can fix (a file, a flag, a spec); the message names where and what."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        dialogue: object = None,
        field: str | None = None,
    ):
        where = [
            part
            for part in (
                source,
                f"line {line}" if line is not None else None,
                f"dialogue {dialogue}" if dialogue is not None else None,
                f"field {field}" if field else None,
            )
            if part
        ]
        super().__init__(": ".join([*where, message]))
        self.message, self.field = message, field
