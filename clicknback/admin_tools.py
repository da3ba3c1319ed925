"""The building blocks every app's admin module shares: screens whose writes are service calls,
read-only screens for records only services change, and actions that report per row what happened
(done, already done, or refused and why; a refusal is a message, never a 500)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from clicknback.actors import Actor
from clicknback.dates import validate_supported_date
from clicknback.errors import DomainError


@dataclass(frozen=True)
class Outcome:
    """What one service call did to one row, as a sentence for staff."""

    level: int
    text: str


def done(text: str) -> Outcome:
    return Outcome(messages.SUCCESS, text)


def already(text: str) -> Outcome:
    return Outcome(messages.INFO, text)


def report_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    label: Callable[[Any], str],
    apply: Callable[[Any], Outcome],
) -> None:
    """Run `apply` on each row (each service call is its own transaction, so one refusal stops
    nothing) and post one message per row."""
    for row in rows:
        try:
            outcome = apply(row)
        except DomainError as exc:
            outcome = Outcome(messages.ERROR, f"refused: {exc.message}")
        modeladmin.message_user(request, f"{label(row)}: {outcome.text}", outcome.level)


class ReasonForm(forms.Form):
    # Required and stripped: a blank reason shows the form again with an error.
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def reason_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    action: str,
    title: str,
    explanation: str,
    objects: Iterable[Any],
    submit: str,
    help_text: str = "",
) -> tuple[str | None, TemplateResponse | None]:
    """The intermediate page of an action that needs a reason: (reason, None) once submitted
    with a valid reason, else (None, the page to show)."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    form.fields["reason"].help_text = help_text
    if form.is_valid():
        return form.cleaned_data["reason"], None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explanation": explanation,
        "opts": modeladmin.model._meta,
        "objects": list(objects),
        "form": form,
        "action": action,
        "submit": submit,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return None, TemplateResponse(request, "admin/backoffice_reason.html", context)


class QueueActionsMixin:
    """For queue screens: rows selected on the page that left the queue before the click
    (another staff member acted first) are reported, not silently skipped."""

    def response_action(self, request: HttpRequest, queryset: Any) -> Any:
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        still_queued = {str(pk) for pk in queryset.filter(pk__in=selected).values_list("pk", flat=True)}
        response = super().response_action(request, queryset)
        if isinstance(response, TemplateResponse):
            return response  # an intermediate page: nothing was done yet
        gone = [pk for pk in selected if pk not in still_queued]
        for obj in self.model._base_manager.filter(pk__in=gone):
            self.message_user(request, f"{obj}: no longer in this queue, nothing done", messages.WARNING)
        return response


class ServiceBackedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are service calls. A refusal that only the database could see (a race the
    form's validation could not catch) becomes an error message instead of a 500."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, self.describe_refusal(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def describe_refusal(self, exc: DomainError) -> str:
        details = ", ".join(f"{key}: {value}" for key, value in exc.details.items())
        return f"{exc.message} ({details})" if details else exc.message

    def apply_to_each(
        self, request: HttpRequest, objects: Iterable[Any], change: Callable[[Any, Actor], Any], done: str
    ) -> None:
        """Run `change(obj, actor)` on each object in its own transaction; report successes and refusals."""
        actor = Actor.for_user(request.user)
        succeeded = 0
        for obj in objects:
            try:
                change(obj, actor)
                succeeded += 1
            except DomainError as exc:
                self.message_user(request, f"{obj}: {self.describe_refusal(exc)}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


class ReadOnlyAdminMixin:
    """For records only services may change (money documents, the ledger, their history): the
    admin shows them and runs actions that call the services, but never adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@dataclass(frozen=True)
class DetailAction:
    """A button on a detail page; `refusal` says why it cannot be used here (shown instead of it)."""

    name: str
    label: str
    refusal: str = ""
    needs_reason: bool = False


class DetailActionsMixin:
    """A detail page that acts: buttons posting to the same services as the list actions, one
    outcome message each, and, where the page cannot act (state, permission), the reason instead.

    Subclasses say which actions a row offers (`detail_actions`) and run one (`run_detail_action`).
    After acting, the page shown is the record's own (a queue's case may have left the queue)."""

    change_form_template = "admin/backoffice_detail_actions_change_form.html"

    def detail_actions(self, request: HttpRequest, obj: Any) -> list[DetailAction]:
        raise NotImplementedError

    def run_detail_action(self, request: HttpRequest, obj: Any, name: str, reason: str) -> None:
        raise NotImplementedError

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        view = self.admin_site.admin_view(self.detail_action_view)
        name = f"{opts.app_label}_{opts.model_name}_detail_action"
        return [path("<path:object_id>/do/<str:action>/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {**(extra_context or {}), "detail_actions": self.detail_actions(request, obj)}
            extra_context["detail_action_url"] = (
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_detail_action"
            )
            extra_context["reason_form"] = ReasonForm()
        return super().change_view(request, object_id, form_url, extra_context)

    def detail_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        pk = unquote(object_id)
        obj = self.get_object(request, pk)
        if obj is not None and not self.has_view_permission(request, obj):
            raise PermissionDenied
        record = self.model._meta.concrete_model
        page = HttpResponseRedirect(
            reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[pk])
        )
        if obj is None:
            self.message_user(request, "No longer in this queue, nothing done.", messages.WARNING)
            return page
        offered = {a.name: a for a in self.detail_actions(request, obj)}
        chosen = offered.get(action)
        if chosen is None or chosen.refusal:
            self.message_user(request, chosen.refusal if chosen else "No such action.", messages.ERROR)
            return page
        reason = ""
        if chosen.needs_reason:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                self.message_user(request, "Give a reason: nothing was done.", messages.ERROR)
                return page
            reason = form.cleaned_data["reason"]
        self.run_detail_action(request, obj, action, reason)
        return page


class DateRangeForm(forms.Form):
    since = forms.DateField(required=False, validators=[validate_supported_date])
    until = forms.DateField(required=False, validators=[validate_supported_date])


class DateRangeFilter(admin.FieldListFilter):
    """`list_filter = [("created_at", DateRangeFilter)]`: a from / to pair of days (inclusive, UTC).
    A date that does not parse is shown back as an error and filters nothing (never a 500)."""

    template = "admin/backoffice_date_range_filter.html"

    def __init__(self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str):
        self.since_key, self.until_key = f"{field_path}__since", f"{field_path}__until"
        super().__init__(field, request, params, model, model_admin, field_path)
        values = {key: self.used_parameters.get(key) for key in self.expected_parameters()}
        data = {
            name: (value[-1] if isinstance(value, list) else value)
            for name, value in zip(("since", "until"), values.values(), strict=True)
        }
        self.form = DateRangeForm({k: v for k, v in data.items() if v}, prefix=None)

    def expected_parameters(self) -> list[str]:
        return [self.since_key, self.until_key]

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if not self.form.is_valid():
            return queryset
        since, until = self.form.cleaned_data["since"], self.form.cleaned_data["until"]
        if since:
            queryset = queryset.filter(**{f"{self.field_path}__gte": _start_of(since)})
        if until:
            queryset = queryset.filter(**{f"{self.field_path}__lt": _start_of(until + timedelta(days=1))})
        return queryset

    def choices(self, changelist: Any) -> Any:
        others = changelist.get_filters_params()
        for key in (*self.expected_parameters(), "p"):
            others.pop(key, None)
        yield {
            "form": self.form,
            "since_key": self.since_key,
            "until_key": self.until_key,
            "others": [
                (key, value)
                for key, values in others.items()
                for value in (values if isinstance(values, list) else [values])
            ],
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
        }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


CSV_CHUNK_SIZE = 2000


class _Echo:
    """A file for `csv.writer` that hands each written line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


class CsvExportMixin:
    """An "Export CSV" link on a list: `csv_columns = [(header, field path), ...]`. The export has
    the rows the list shows (its filters, search and order), streamed in chunks of
    `CSV_CHUNK_SIZE` rows from a server-side cursor, so a million rows never sit in memory."""

    csv_columns: Sequence[tuple[str, str]] = ()
    change_list_template = "admin/csv_export_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return [path("export.csv", self.admin_site.admin_view(self.csv_export_view), name=name), *super().get_urls()]

    def csv_export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request)
        rows = queryset.values_list(*(field for _, field in self.csv_columns)).iterator(chunk_size=CSV_CHUNK_SIZE)
        response = StreamingHttpResponse(self._csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}.csv"'
        return response

    def _csv_lines(self, rows: Iterable[tuple]) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow([header for header, _ in self.csv_columns])
        for row in rows:
            yield writer.writerow(row)
