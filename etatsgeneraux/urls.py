from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "États généraux du numérique pour l'éducation"
admin.site.site_title = "Administration des synthèses"
admin.site.index_title = "Administration"

# The account pages of `django.contrib.auth.urls` that the platform uses, under French paths
# and with the French templates of templates/registration/. Password reset by e-mail is left
# out: the platform sends no e-mail; administrators set passwords in the admin.
accounts = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comptes/", include(accounts)),
    path("", include("workshops.urls")),
    path("", include("actionplans.urls")),
]
