"""URL routes: the three quickstart endpoints, and a JSON 404 for everything else."""

from __future__ import annotations

from django.urls import path, re_path

from apiexample import views

urlpatterns = [
    path("api/public", views.public),
    path("api/private", views.private),
    path("api/private-scoped", views.private_scoped),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
