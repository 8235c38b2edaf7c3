from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from workshops.forms import AdminLoginForm, LoginForm

# The French 500 page with the id of the request, which the logs carry too.
handler500 = "etatsgeneraux.observability.server_error"

admin.site.login_form = AdminLoginForm
admin.site.site_header = "États généraux du numérique pour l'éducation"
admin.site.site_title = "Administration des synthèses"
admin.site.index_title = "Administration"

# The account pages of `django.contrib.auth.urls` that the platform uses, under French paths
# and with the French templates of templates/registration/. Password reset by e-mail is left
# out: the platform sends no e-mail; administrators set passwords in the admin.
accounts = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
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


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("dsfr/dist/favicon/favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("admin/", admin.site.urls),
    path("comptes/", include(accounts)),
    path("", include("etatsgeneraux.syntheses.urls")),
    path("", include("etatsgeneraux.board.urls")),
    path("", include("etatsgeneraux.publishing.urls")),
    path("", include("etatsgeneraux.history.urls")),
    path("", include("etatsgeneraux.reports.urls")),
    path("", include("etatsgeneraux.exchange.urls")),
    path("", include("etatsgeneraux.jobs.urls")),
    path("", include("etatsgeneraux.followup.urls")),
    path("", include("workshops.urls")),
    path("", include("actionplans.urls")),
]
