"""Business rules: plain arguments in, models out; no request, no templates."""


class DomainError(Exception):
    """A business rule refused the action; routes show `message` and answer 409 (or 400)."""

    status = 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
