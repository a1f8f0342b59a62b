

app_name = "frames"

urlpatterns: list = []
