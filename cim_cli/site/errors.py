"""The one error the site's functions raise: the CLI turns it into exit 2 and its message."""


class SiteError(Exception):
    """The site cannot be initialised or built; the message says why and what to do."""
