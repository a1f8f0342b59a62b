"""The two groups every install has, and the model permissions each holds.

Data migrations call `sync_groups` whenever a permission they name appears, so a fresh install and
an upgraded one end with the same groups.
"""

ANNOTATORS = "Annotators"
MANAGERS = "Managers"
MANAGED_APPS = ("datasets", "frames", "annotations")

# Annotators read everything, save frames of Draft versions and take task work.
ANNOTATOR_PERMISSIONS = {
    "datasets": ["view_dataset", "view_version"],
    "frames": ["view_frame", "change_frame"],
    "annotations": ["view_annotationtask", "work_annotationtask"],
}


def sync_groups(apps, schema_editor) -> None:
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, which migration states lack.
        saved = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = saved
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    managers, _ = group_model.objects.get_or_create(name=MANAGERS)
    managers.permissions.add(
        *permission_model.objects.filter(content_type__app_label__in=MANAGED_APPS)
    )
    annotators, _ = group_model.objects.get_or_create(name=ANNOTATORS)
    for app_label, codenames in ANNOTATOR_PERMISSIONS.items():
        annotators.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )


def noop(apps, schema_editor) -> None:
    pass


def group_member(username: str, group: str):
    """The user `username` (made when missing) in `group`, with a fresh permission cache."""
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)
