{{/*
Environment of the Helmdesk programs (the runtime contract of the services).
Every container listens on 8080: PORT for the backends, HELMDESK_PORT for the gateway.
*/}}

{{- define "helmdesk.containerPort" -}}8080{{- end }}

{{/*
DATABASE_URL; call with (dict "root" $ "secret" <name of the Secret holding values-given connection settings>).
Precedence: externalDatabase.existingSecret, externalDatabase.url, the bundled PostgreSQL.
*/}}
{{- define "helmdesk.env.database" -}}
{{- $v := .root.Values }}
{{- if $v.externalDatabase.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.externalDatabase.existingSecret }}
      key: {{ $v.externalDatabase.existingSecretKey }}
{{- else if $v.externalDatabase.url }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: DATABASE_URL
{{- else }}
- name: HELMDESK_POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "helmdesk.postgresql.secretName" .root }}
      key: {{ include "helmdesk.postgresql.secretKey" .root }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(HELMDESK_POSTGRES_PASSWORD)@%s:5432/%s" $v.postgresql.auth.username (include "helmdesk.postgresql.host" .root) $v.postgresql.auth.database | quote }}
{{- end }}
- name: DATABASE_POOL_MAX
  value: {{ $v.config.databasePoolMax | quote }}
- name: DATABASE_PREPARED_STATEMENTS
  value: {{ $v.config.databasePreparedStatements | quote }}
{{- end }}

{{/* KAFKA_BROKERS and KAFKA_TOPIC_PREFIX; same call as helmdesk.env.database. */}}
{{- define "helmdesk.env.kafka" -}}
{{- $v := .root.Values }}
{{- if $v.externalKafka.existingSecret }}
- name: KAFKA_BROKERS
  valueFrom:
    secretKeyRef:
      name: {{ $v.externalKafka.existingSecret }}
      key: {{ $v.externalKafka.existingSecretKey }}
{{- else if $v.externalKafka.brokers }}
- name: KAFKA_BROKERS
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: KAFKA_BROKERS
{{- else }}
- name: KAFKA_BROKERS
  value: {{ printf "%s:9092" (include "helmdesk.kafka.host" .root) | quote }}
{{- end }}
- name: KAFKA_TOPIC_PREFIX
  value: {{ $v.config.kafkaTopicPrefix | quote }}
{{- end }}

{{/* Environment of the topic-creation program. */}}
{{- define "helmdesk.env.topics" -}}
- name: LOG_LEVEL
  value: {{ .root.Values.config.logLevel | quote }}
{{ include "helmdesk.env.kafka" . }}
- name: KAFKA_TOPIC_PARTITIONS
  value: {{ .root.Values.kafkaTopics.partitions | quote }}
- name: KAFKA_REPLICATION_FACTOR
  value: {{ .root.Values.kafkaTopics.replicationFactor | quote }}
{{- end }}

{{/* Environment of a migration hook Job: only what migrate.js needs (the auth secrets do not exist yet). */}}
{{- define "helmdesk.env.migrate" -}}
- name: LOG_LEVEL
  value: {{ .root.Values.config.logLevel | quote }}
{{ include "helmdesk.env.database" . }}
{{- end }}

{{/*
Full environment of a service container; call with (dict "root" $ "component" "case").
Also used by its init containers and by the digest CronJob (component "notification").
*/}}
{{- define "helmdesk.env.service" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $c := .component }}
{{- $s := index $v $c }}
{{- $conn := dict "root" $root "secret" (include "helmdesk.connectionsSecretName" $root) }}
- name: LOG_LEVEL
  value: {{ $v.config.logLevel | quote }}
- name: JWT_ISSUER
  value: {{ $v.config.jwtIssuer | quote }}
- name: JWT_AUDIENCE
  value: {{ $v.config.jwtAudience | quote }}
{{- if eq $c "gateway" }}
- name: HELMDESK_PORT
  value: {{ include "helmdesk.containerPort" $root | quote }}
{{- range $svc := list "auth" "case" "agent" "notification" }}
- name: {{ printf "%s_URL" (upper $svc) }}
  value: {{ include "helmdesk.serviceUrl" (dict "root" $root "component" $svc) | quote }}
{{- end }}
- name: JWKS_URL
  value: {{ include "helmdesk.jwksUrl" $root | quote }}
- name: UPSTREAM_TIMEOUT_MS
  value: {{ $s.upstreamTimeoutMs | quote }}
- name: CONSOLE_DIR
  value: services/console/dist
{{- else }}
- name: PORT
  value: {{ include "helmdesk.containerPort" $root | quote }}
{{ include "helmdesk.env.database" $conn }}
{{ include "helmdesk.env.kafka" $conn }}
{{- if ne $c "auth" }}
- name: JWKS_URL
  value: {{ include "helmdesk.jwksUrl" $root | quote }}
{{- end }}
{{- end }}
{{- if eq $c "auth" }}
- name: JWT_SIGNING_KEYS
  valueFrom:
    secretKeyRef:
      {{- if $s.jwt.existingSecret }}
      name: {{ $s.jwt.existingSecret }}
      key: {{ $s.jwt.existingSecretKey }}
      {{- else }}
      name: {{ include "helmdesk.authSecretName" $root }}
      key: jwt-signing-keys
      {{- end }}
- name: JWT_ACCESS_TTL_SECONDS
  value: {{ $s.accessTokenTtlSeconds | quote }}
- name: BCRYPT_COST
  value: {{ $s.bcryptCost | quote }}
- name: TRUST_PROXY
  value: {{ $s.trustProxy | quote }}
- name: HELMDESK_ADMIN_EMAIL
  value: {{ $s.admin.email | quote }}
- name: HELMDESK_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- if $s.admin.existingSecret }}
      name: {{ $s.admin.existingSecret }}
      key: {{ $s.admin.existingSecretKey }}
      {{- else }}
      name: {{ include "helmdesk.authSecretName" $root }}
      key: admin-password
      {{- end }}
{{- end }}
{{- if eq $c "notification" }}
{{- if $s.smtp.existingSecret }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ $s.smtp.existingSecret }}
      key: {{ $s.smtp.existingSecretKey }}
{{- else if $s.smtp.url }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "helmdesk.connectionsSecretName" $root }}
      key: SMTP_URL
{{- else }}
{{- /* SMTP_URL is required by the service: an inert placeholder until one is configured (NOTES.txt says so) */}}
- name: SMTP_URL
  value: smtp://localhost:25
{{- end }}
- name: SMTP_FROM
  value: {{ $s.smtp.from | quote }}
- name: HELMDESK_SUPPORT_INBOX
  value: {{ $s.supportInbox | quote }}
- name: HELMDESK_WEBHOOK_ALLOW_PRIVATE
  value: {{ $s.webhookAllowPrivate | quote }}
- name: HELMDESK_DIGEST_CRON
  value: {{ $s.digest.schedule | quote }}
- name: HELMDESK_DIGEST_IN_PROCESS
  value: {{ not $s.digest.cronJob | quote }}
{{- end }}
{{- with $s.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
