{{/*
Names and labels (as `helm create` makes them), plus the switches every template asks about.
*/}}

{{- define "helmdesk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "helmdesk.fullname" -}}
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

{{- define "helmdesk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object; call with the root context. */}}
{{- define "helmdesk.labels" -}}
helm.sh/chart: {{ include "helmdesk.chart" . }}
{{ include "helmdesk.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: helmdesk
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "helmdesk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "helmdesk.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component; call with (dict "root" $ "component" "auth"). */}}
{{- define "helmdesk.componentLabels" -}}
{{ include "helmdesk.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "helmdesk.componentSelectorLabels" -}}
{{ include "helmdesk.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Name of one component's objects: <fullname>-<component>. */}}
{{- define "helmdesk.componentName" -}}
{{- printf "%s-%s" (include "helmdesk.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The five services, in the order they are rendered. */}}
{{- define "helmdesk.serviceKeys" -}}
{{- list "gateway" "auth" "case" "agent" "notification" | toJson }}
{{- end }}

{{/* Services with a database schema and Kafka consumers (everything but the gateway). */}}
{{- define "helmdesk.backendKeys" -}}
{{- list "auth" "case" "agent" "notification" | toJson }}
{{- end }}

{{/* "registry/repository:tag" or "@digest"; call with (dict "image" .Values.image "default" .Chart.AppVersion). */}}
{{- define "helmdesk.imageRef" -}}
{{- $ref := .image.repository }}
{{- if .image.registry }}{{ $ref = printf "%s/%s" .image.registry .image.repository }}{{ end }}
{{- if .image.digest }}
{{- printf "%s@%s" $ref .image.digest }}
{{- else }}
{{- printf "%s:%s" $ref (toString (default .default .image.tag)) }}
{{- end }}
{{- end }}

{{- define "helmdesk.image" -}}
{{- include "helmdesk.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) }}
{{- end }}

{{/* "true" when the bundled PostgreSQL is deployed (enabled and no external database given). */}}
{{- define "helmdesk.postgresql.bundled" -}}
{{- if and .Values.postgresql.enabled (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) }}true{{ end }}
{{- end }}

{{/* "true" when the bundled Kafka is deployed (enabled and no external brokers given). */}}
{{- define "helmdesk.kafka.bundled" -}}
{{- if and .Values.kafka.enabled (not .Values.externalKafka.brokers) (not .Values.externalKafka.existingSecret) }}true{{ end }}
{{- end }}

{{/* "hooks" or "initContainers" (see docs/decisions/0011-chart-migrations-with-bundled-databases.md). */}}
{{- define "helmdesk.migrations.mode" -}}
{{- if eq .Values.migrations.mode "auto" }}
{{- if or (include "helmdesk.postgresql.bundled" .) (include "helmdesk.kafka.bundled" .) }}initContainers{{ else }}hooks{{ end }}
{{- else }}
{{- .Values.migrations.mode }}
{{- end }}
{{- end }}

{{- define "helmdesk.postgresql.host" -}}
{{- include "helmdesk.componentName" (dict "root" . "component" "postgresql") }}
{{- end }}

{{- define "helmdesk.kafka.host" -}}
{{- include "helmdesk.componentName" (dict "root" . "component" "kafka") }}
{{- end }}

{{- define "helmdesk.postgresql.secretName" -}}
{{- default (include "helmdesk.componentName" (dict "root" . "component" "postgresql")) .Values.postgresql.auth.existingSecret }}
{{- end }}

{{- define "helmdesk.postgresql.secretKey" -}}
{{- if .Values.postgresql.auth.existingSecret }}{{ .Values.postgresql.auth.existingSecretKey }}{{ else }}password{{ end }}
{{- end }}

{{/* Secret with the connection settings given as values (DATABASE_URL, KAFKA_BROKERS, SMTP_URL). */}}
{{- define "helmdesk.connectionsSecretName" -}}
{{- include "helmdesk.componentName" (dict "root" . "component" "connections") }}
{{- end }}

{{/* Secret with the auth service's generated or given secrets (signing keys, first admin password). */}}
{{- define "helmdesk.authSecretName" -}}
{{- include "helmdesk.componentName" (dict "root" . "component" "auth") }}
{{- end }}

{{/* ServiceAccount of a service; call with (dict "root" $ "component" "auth"). */}}
{{- define "helmdesk.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount }}
{{- if $sa.create }}
{{- default (include "helmdesk.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* Base URL of a service inside the cluster; call with (dict "root" $ "component" "auth"). */}}
{{- define "helmdesk.serviceUrl" -}}
{{- printf "http://%s:%v" (include "helmdesk.componentName" .) (index .root.Values .component).service.port }}
{{- end }}

{{- define "helmdesk.jwksUrl" -}}
{{- printf "%s/.well-known/jwks.json" (include "helmdesk.serviceUrl" (dict "root" . "component" "auth")) }}
{{- end }}

{{/* Fails the render with one clear line when values contradict each other. */}}
{{- define "helmdesk.validate" -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) }}
{{- fail "helmdesk: no database: set externalDatabase.url (or externalDatabase.existingSecret), or postgresql.enabled=true for a trial" }}
{{- end }}
{{- if and (not .Values.kafka.enabled) (not .Values.externalKafka.brokers) (not .Values.externalKafka.existingSecret) }}
{{- fail "helmdesk: no Kafka: set externalKafka.brokers (or externalKafka.existingSecret), or kafka.enabled=true for a trial" }}
{{- end }}
{{- if and (include "helmdesk.kafka.bundled" .) (gt (int .Values.kafkaTopics.replicationFactor) 1) }}
{{- fail "helmdesk: the bundled Kafka has one broker: kafkaTopics.replicationFactor must be 1" }}
{{- end }}
{{- if and (eq .Values.migrations.mode "hooks") (or (include "helmdesk.postgresql.bundled" .) (include "helmdesk.kafka.bundled" .)) }}
{{- fail "helmdesk: migrations.mode=hooks needs an external database and Kafka (pre-install hooks run before the bundled ones exist); use auto or initContainers" }}
{{- end }}
{{- if and .Values.ingress.tls (not .Values.ingress.hostname) }}
{{- fail "helmdesk: ingress.tls needs ingress.hostname" }}
{{- end }}
{{- end }}

{{/* Pod and container security contexts (restricted Pod Security). */}}
{{- define "helmdesk.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "helmdesk.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* The writable /tmp every Helmdesk container gets. */}}
{{- define "helmdesk.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "helmdesk.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
An init container that waits until TCP host:port targets answer (node, no shell needed);
call with (dict "root" $ "targets" (list "host:5432")).
*/}}
{{- define "helmdesk.waitForContainer" -}}
- name: wait-for-dependencies
  image: {{ include "helmdesk.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  args:
    - -e
    - >-
      const net=require('node:net');const deadline=Date.now()+15*60*1000;
      const reach=(host,port)=>new Promise(r=>{const s=net.connect({host,port,timeout:2000});
      s.once('connect',()=>{s.destroy();r(true)});s.once('error',()=>r(false));s.once('timeout',()=>{s.destroy();r(false)})});
      (async()=>{for(const t of process.argv.slice(1)){const i=t.lastIndexOf(':');
      while(!(await reach(t.slice(0,i),Number(t.slice(i+1))))){if(Date.now()>deadline){console.error('gave up waiting for '+t);process.exit(1)}
      console.log('waiting for '+t);await new Promise(r=>setTimeout(r,2000))}console.log('reachable: '+t)}})();
    {{- range .targets }}
    - {{ . | quote }}
    {{- end }}
  securityContext:
    {{- include "helmdesk.containerSecurityContext" .root | nindent 4 }}
  resources:
    {{- toYaml .root.Values.migrations.resources | nindent 4 }}
  volumeMounts:
    {{- include "helmdesk.tmpVolumeMount" .root | nindent 4 }}
{{- end }}

{{/* host:port targets of the bundled dependencies (empty list when everything is external). */}}
{{- define "helmdesk.bundledTargets" -}}
{{- $t := list }}
{{- if include "helmdesk.postgresql.bundled" . }}{{ $t = append $t (printf "%s:5432" (include "helmdesk.postgresql.host" .)) }}{{ end }}
{{- if include "helmdesk.kafka.bundled" . }}{{ $t = append $t (printf "%s:9092" (include "helmdesk.kafka.host" .)) }}{{ end }}
{{- toJson $t }}
{{- end }}
