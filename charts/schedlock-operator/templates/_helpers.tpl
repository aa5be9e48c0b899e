{{/*
Names are cut to 63 characters: Service names and label values must be DNS labels (RFC 1123),
which allow at most 63, and other objects share the same names. A trailing "-" left by the cut
is removed, because a DNS label must not end in one.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "schedlock-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or just the release name when it already contains the chart name. */}}
{{- define "schedlock-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The full name with a suffix, for objects beside the main one ("-metrics", "-leader-election").
The full name is cut first so that the suffix always survives within 63 characters.
Call with (list . "-suffix").
*/}}
{{- define "schedlock-operator.suffixed" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- $base := include "schedlock-operator.fullname" $root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-" }}
{{- printf "%s%s" $base $suffix }}
{{- end }}

{{/* chart label value: name-version, "+" is not allowed in label values. */}}
{{- define "schedlock-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator pods; never change them (Deployment selectors are immutable). */}}
{{- define "schedlock-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "schedlock-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object of the release. */}}
{{- define "schedlock-operator.labels" -}}
helm.sh/chart: {{ include "schedlock-operator.chart" . }}
{{ include "schedlock-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: schedlock
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "schedlock-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "schedlock-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag or repository@digest. */}}
{{- define "schedlock-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The sidecar image the operator injects by default: repository:tag or repository@digest. */}}
{{- define "schedlock-operator.sidecarImage" -}}
{{- if .Values.operator.sidecarImage.digest }}
{{- printf "%s@%s" .Values.operator.sidecarImage.repository .Values.operator.sidecarImage.digest }}
{{- else }}
{{- printf "%s:%s" .Values.operator.sidecarImage.repository (default .Chart.AppVersion .Values.operator.sidecarImage.tag) }}
{{- end }}
{{- end }}

{{/* The operator's leader election Lease: its own name per release unless one is given. */}}
{{- define "schedlock-operator.leaseName" -}}
{{- default (include "schedlock-operator.fullname" .) .Values.operator.leaderElectionLeaseName }}
{{- end }}
