"""Importing a synthesis from the administration: « Importer une synthèse » on the list of
syntheses, beside the administration of the synthesis (workshops, then actionplans) that it
extends with this one view.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from etatsgeneraux.jobs.models import Job
from etatsgeneraux.jobs.runner import JobFailed, job_task, start
from workshops.models import Department, Region, Synthesis

from .importing import MAX_DOCX_BYTES, MAX_FILE_BYTES, MAX_TEXT_BYTES, import_synthesis, megabytes

# Above this size an upload is imported by a background job, with its progress shown: the
# regional synthesis exported as DOCX weighs 53 KB and imports in well under a second, but a
# compressed DOCX may hold 50 MB of XML (seconds of reading within the import's limits).
BACKGROUND_IMPORT_BYTES = 100 * 1024
IMPORT_JOB = "import"


@job_task
def import_uploaded_file(job, *, stored, filename, **options):
    """Imports an uploaded file kept in the default storage (then deleted), all or nothing;
    the result holds the report, shown by the admin page it links to."""
    job.report(5, "Lecture du fichier…")
    try:
        with default_storage.open(stored, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError:
        raise JobFailed(
            "Le fichier téléversé n’a pas été retrouvé\u00a0: importez-le à nouveau."
        ) from None
    finally:
        default_storage.delete(stored)
    job.report(10, "Lecture du document…")
    report = import_synthesis(data, filename=filename, progress=job.report, **options)
    return {
        "url": reverse("admin:workshops_synthesis_import_report", args=[job.pk]),
        "label": "Voir le rapport de l’import",
        "redirect": True,
        "ok": report.ok,
        "outcome": report.outcome_text,
        "report": report.as_text(),
    }


class LimitedUploadHandler(FileUploadHandler):
    """Stops keeping an uploaded file past MAX_FILE_BYTES: it never fills memory or disk.

    The rest of the file is read and dropped (SkipFile), so the other fields, CSRF token
    included, still arrive and the form can say in French what happened.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_FILE_BYTES:
            self.exceeded = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportSynthesisForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text=f"Document Word du modèle national (.docx, {megabytes(MAX_DOCX_BYTES)} au "
        f"plus) ou son export texte (UTF-8, {megabytes(MAX_TEXT_BYTES)} au plus).",
    )
    slug = forms.SlugField(
        label="Identifiant de la synthèse",
        max_length=100,
        help_text="Par exemple vendee-2020. Si cette synthèse existe, son contenu est remplacé "
        "par celui du document ; rien ne change si le document est identique.",
    )
    region = forms.ModelChoiceField(
        Region.objects.all(),
        required=False,
        label="Région académique",
        help_text="Vide : celle du département, celle que le document indique ou celle de la "
        "synthèse existante.",
    )
    department = forms.ModelChoiceField(
        Department.objects.all(),
        required=False,
        label="Département",
        help_text="Pour une synthèse départementale.",
    )
    parent = forms.ModelChoiceField(
        Synthesis.objects.regional().active(),
        required=False,
        label="Synthèse régionale parente",
        help_text="Pour une synthèse départementale, annexe d'une synthèse régionale.",
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Simulation",
        help_text="Analyse le document et affiche le rapport sans rien enregistrer.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(self.too_large_message())
        return upload

    @staticmethod
    def too_large_message():
        return (
            f"Le fichier est trop volumineux : {megabytes(MAX_DOCX_BYTES)} au plus pour un "
            f"document Word, {megabytes(MAX_TEXT_BYTES)} pour un export texte."
        )

    def clean(self):
        cleaned = super().clean()
        region, department = cleaned.get("region"), cleaned.get("department")
        if region and department and department.region_id != region.pk:
            self.add_error("department", "Ce département n'appartient pas à la région choisie.")
        return cleaned


SynthesisAdmin = type(admin.site.get_model_admin(Synthesis))
admin.site.unregister(Synthesis)


@admin.register(Synthesis)
class SynthesisImportAdmin(SynthesisAdmin):
    def get_urls(self):
        return [
            path(
                "importer/",
                self.admin_site.admin_view(self.import_view),
                name="workshops_synthesis_import",
            ),
            path(
                "importer/rapport/<uuid:pk>/",
                self.admin_site.admin_view(self.import_report_view),
                name="workshops_synthesis_import_report",
            ),
            *super().get_urls(),
        ]

    # The upload handler must be in place before anything reads the request body, CSRF
    # middleware included; the CSRF check then runs inside, on the parsed form.
    @method_decorator(csrf_exempt)
    def import_view(self, request):
        handler = LimitedUploadHandler(request)
        request.upload_handlers.insert(0, handler)
        return self._import_view(request, handler)

    @method_decorator(csrf_protect)
    def _import_view(self, request, handler):
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = ImportSynthesisForm(request.POST, request.FILES)
            valid = form.is_valid()
            if handler.exceeded:  # the file was dropped on the way: say why
                form.errors["file"] = form.error_class([form.too_large_message()])
                valid = False
            if valid and form.cleaned_data["file"].size > BACKGROUND_IMPORT_BYTES:
                return redirect("jobs:detail", self._start_import(request, form).pk)
            if valid:
                report = self._run_import(request, form)
        else:
            form = ImportSynthesisForm()
        written = report is not None and report.ok and not report.dry_run
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Importer une synthèse",
            "form": form,
            "report": report,
            "synthesis": (
                Synthesis.objects.filter(slug=form.cleaned_data["slug"]).first()
                if written
                else None
            ),
        }
        return TemplateResponse(request, "admin/workshops/synthesis/import_synthesis.html", context)

    def _start_import(self, request, form):
        data = form.cleaned_data
        upload = data["file"]
        stored = default_storage.save("imports/synthese", upload)
        return start(
            IMPORT_JOB,
            import_uploaded_file,
            requested_by=request.user,
            stored=stored,
            filename=upload.name,
            slug=data["slug"],
            region=data["region"].code if data["region"] else None,
            department=data["department"].code if data["department"] else None,
            parent=data["parent"].slug if data["parent"] else None,
            dry_run=data["dry_run"],
        )

    def import_report_view(self, request, pk):
        """The report of an import run in the background, for whoever may import."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = get_object_or_404(Job, pk=pk, kind=IMPORT_JOB, status=Job.Status.DONE)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Rapport d’import",
            "form": ImportSynthesisForm(),
            "background_report": job.result,
        }
        return TemplateResponse(request, "admin/workshops/synthesis/import_synthesis.html", context)

    def _run_import(self, request, form):
        data = form.cleaned_data
        report = import_synthesis(
            data["file"].read(MAX_FILE_BYTES + 1),
            filename=data["file"].name,
            slug=data["slug"],
            region=data["region"].code if data["region"] else None,
            department=data["department"].code if data["department"] else None,
            parent=data["parent"].slug if data["parent"] else None,
            dry_run=data["dry_run"],
        )
        if report.outcome == "refused":
            form.add_error("file", report.refusal)
        for issue in report.errors:
            if issue.field in form.fields:
                form.add_error(issue.field, issue.message)
        if report.ok and not report.dry_run:
            messages.success(request, f"{report.outcome_text} ({data['slug']})")
        return report
