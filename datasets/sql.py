"""The datasets app's one hand-written statement: the version row lock every write takes."""

from config.sql import for_update, table

from .models import Version


def lock_version_row(version_id: int, *, shared: bool = False) -> Version | None:
    """The version row, locked until the transaction ends (`shared`: FOR SHARE); None when
    there is none.

    Plain SQL: every frame save takes this lock, and building the ORM query cost more than
    running it.
    """
    found = Version.objects.raw(
        f"SELECT * FROM {table(Version)} WHERE id = %s{for_update(share=shared)}", [version_id]
    )
    return next(iter(found), None)
