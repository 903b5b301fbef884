{{/*
One Helmdesk service: ServiceAccount, Service, Deployment, HorizontalPodAutoscaler and
PodDisruptionBudget, all from the settings block `.Values.<component>`.
Call every template here with (dict "root" $ "component" "<service key>").
*/}}

{{- define "helmdesk.service.all" -}}
{{- $s := index .root.Values .component }}
{{- if $s.serviceAccount.create }}
---
{{ include "helmdesk.service.serviceAccount" . }}
{{- end }}
---
{{ include "helmdesk.service.service" . }}
---
{{ include "helmdesk.service.deployment" . }}
{{- if $s.autoscaling.enabled }}
---
{{ include "helmdesk.service.hpa" . }}
{{- end }}
{{- if and $s.pdb.enabled (or $s.autoscaling.enabled (gt (int $s.replicaCount) 1)) }}
---
{{ include "helmdesk.service.pdb" . }}
{{- end }}
{{- end }}

{{- define "helmdesk.service.serviceAccount" -}}
{{- $s := index .root.Values .component }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "helmdesk.serviceAccountName" . }}
  labels:
    {{- include "helmdesk.componentLabels" . | nindent 4 }}
  {{- with $s.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}

{{- define "helmdesk.service.service" -}}
{{- $s := index .root.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "helmdesk.componentName" . }}
  labels:
    {{- include "helmdesk.componentLabels" . | nindent 4 }}
  {{- with $s.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- /* only the gateway may be something else than ClusterIP */}}
  type: {{ if eq .component "gateway" }}{{ $s.service.type }}{{ else }}ClusterIP{{ end }}
  selector:
    {{- include "helmdesk.componentSelectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $s.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{- define "helmdesk.service.deployment" -}}
{{- $root := .root }}
{{- $c := .component }}
{{- $s := index $root.Values $c }}
{{- $backend := has $c (include "helmdesk.backendKeys" $root | fromJsonArray) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "helmdesk.componentName" . }}
  labels:
    {{- include "helmdesk.componentLabels" . | nindent 4 }}
spec:
  {{- if not $s.autoscaling.enabled }}
  replicas: {{ $s.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "helmdesk.componentSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "helmdesk.componentLabels" . | nindent 8 }}
        {{- with $s.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/connections: {{ toJson (dict "db" $root.Values.externalDatabase "kafka" $root.Values.externalKafka "smtp" $root.Values.notification.smtp) | sha256sum }}
        {{- with $s.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "helmdesk.serviceAccountName" . }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $s.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "helmdesk.podSecurityContext" $root | nindent 8 }}
      {{- if and $backend (eq (include "helmdesk.migrations.mode" $root) "initContainers") }}
      initContainers:
        {{- $targets := include "helmdesk.bundledTargets" $root | fromJsonArray }}
        {{- if $targets }}
        {{- include "helmdesk.waitForContainer" (dict "root" $root "targets" $targets) | nindent 8 }}
        {{- end }}
        {{- if $root.Values.kafkaTopics.enabled }}
        - name: create-topics
          image: {{ include "helmdesk.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["libs/platform/dist/cli/create-topics.js"]
          env:
            {{- include "helmdesk.env.topics" (dict "root" $root "secret" (include "helmdesk.connectionsSecretName" $root)) | nindent 12 }}
          securityContext:
            {{- include "helmdesk.containerSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $root.Values.migrations.resources | nindent 12 }}
          volumeMounts:
            {{- include "helmdesk.tmpVolumeMount" $root | nindent 12 }}
        {{- end }}
        - name: migrate
          image: {{ include "helmdesk.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ printf "services/%s/dist/migrate.js" $c | quote }}]
          env:
            {{- include "helmdesk.env.service" . | nindent 12 }}
          securityContext:
            {{- include "helmdesk.containerSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $root.Values.migrations.resources | nindent 12 }}
          volumeMounts:
            {{- include "helmdesk.tmpVolumeMount" $root | nindent 12 }}
      {{- end }}
      containers:
        - name: {{ $c }}
          image: {{ include "helmdesk.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ printf "services/%s/dist/main.js" $c | quote }}]
          ports:
            - name: http
              containerPort: {{ include "helmdesk.containerPort" $root }}
              protocol: TCP
          env:
            {{- include "helmdesk.env.service" . | nindent 12 }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $s.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $s.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            {{- toYaml $s.probes.readiness | nindent 12 }}
          {{- if gt (int $root.Values.preStopSleepSeconds) 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $root.Values.preStopSleepSeconds }}
          {{- end }}
          securityContext:
            {{- include "helmdesk.containerSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $s.resources | nindent 12 }}
          volumeMounts:
            {{- include "helmdesk.tmpVolumeMount" $root | nindent 12 }}
      volumes:
        {{- include "helmdesk.tmpVolume" $root | nindent 8 }}
      {{- with $s.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{- define "helmdesk.service.hpa" -}}
{{- $s := index .root.Values .component }}
{{- $a := $s.autoscaling }}
{{- if and (not $a.targetCPUUtilizationPercentage) (not $a.targetMemoryUtilizationPercentage) }}
{{- fail (printf "helmdesk: %s.autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" .component) }}
{{- end }}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) }}
{{- fail (printf "helmdesk: %s.autoscaling.minReplicas is above maxReplicas" .component) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "helmdesk.componentName" . }}
  labels:
    {{- include "helmdesk.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "helmdesk.componentName" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    {{- if $a.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
    {{- end }}
    {{- if $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $a.targetMemoryUtilizationPercentage }}
    {{- end }}
{{- end }}

{{- define "helmdesk.service.pdb" -}}
{{- $s := index .root.Values .component }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "helmdesk.componentName" . }}
  labels:
    {{- include "helmdesk.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $s.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "helmdesk.componentSelectorLabels" . | nindent 6 }}
{{- end }}
