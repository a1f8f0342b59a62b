from django.contrib.auth.models import Group, Permission, User

from annotations.roles import ANNOTATORS


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache


def test_permissions_come_from_the_user_and_from_every_group_in_one_query(
    annotator, django_assert_num_queries
):
    extra = Group.objects.create(name="Publishers")
    extra.permissions.add(Permission.objects.get(codename="publish_version"))
    annotator.groups.add(extra)
    annotator.user_permissions.add(Permission.objects.get(codename="delete_frame"))
    user = fresh(annotator)
    with django_assert_num_queries(1):
        permissions = user.get_all_permissions()
        assert user.has_perm("datasets.publish_version")
    assert "frames.delete_frame" in permissions
    assert "annotations.work_annotationtask" in permissions  # from Annotators
    assert "annotations.delete_annotationtask" not in permissions
    group_permissions = Group.objects.get(name=ANNOTATORS).permissions.count()
    assert len(permissions) == group_permissions + 2


def test_a_superuser_has_every_permission_and_an_inactive_user_none(annotator):
    admin = User.objects.create_superuser("root", password="pw-root-long")
    assert fresh(admin).get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    annotator.is_active = False
    annotator.save()
    assert fresh(annotator).get_all_permissions() == set()
    assert not fresh(annotator).has_perm("annotations.work_annotationtask")
