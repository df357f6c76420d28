from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="sandbox-index"),
    path("graphql/", views.graphql, name="sandbox-graphql-default"),
    path("graphql/<slug:channel>/", views.graphql, name="sandbox-graphql"),
    path("policy/", views.policy, name="sandbox-policy-default"),
    path("policy/<slug:channel>/", views.policy, name="sandbox-policy"),
    path("static/<path:path>", views.static, name="sandbox-static"),
    path("app/", views.dashboard_app, name="sandbox-app"),
    path("app/<path:tail>", views.dashboard_app, name="sandbox-app-path"),
]

handler404 = "saleor_aftersales_plugin.sandbox.views.not_found"
handler500 = "saleor_aftersales_plugin.sandbox.views.server_error"
