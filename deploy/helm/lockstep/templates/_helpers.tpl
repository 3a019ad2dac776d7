{{/* The topics each service reads and writes (DESIGN section 2): one writer per topic, but for
     the planner's HTTP API, which puts the requests it accepts on lockstep.requests like any
     platform service. Every consumer may also write the dead-letter topic. */}}
{{- define "lockstep.topics" -}}
planner:
  reads: [lockstep.requests, lockstep.execution, lockstep.plans]
  writes: [lockstep.plans, lockstep.requests]
executor:
  reads: [lockstep.plans, lockstep.gates, lockstep.execution]
  writes: [lockstep.execution]
validator:
  reads: [lockstep.execution, lockstep.gates]
  writes: [lockstep.gates]
notifier:
  reads: [lockstep.requests, lockstep.plans, lockstep.execution, lockstep.gates]
  writes: [lockstep.notifications]
rca-recorder:
  reads: [lockstep.requests, lockstep.plans, lockstep.execution, lockstep.gates, lockstep.notifications, lockstep.deadletter]
  writes: []
{{- end -}}

{{- define "lockstep.mainClass" -}}
{{- $classes := dict "planner" "dev.lockstep.planner.PlannerApplication" "executor" "dev.lockstep.executor.ExecutorApplication" "validator" "dev.lockstep.validator.ValidatorApplication" "notifier" "dev.lockstep.notifier.NotifierApplication" "rca-recorder" "dev.lockstep.recorder.RecorderApplication" -}}
{{- get $classes . -}}
{{- end -}}

{{- define "lockstep.labels" -}}
app.kubernetes.io/name: lockstep
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "lockstep.selector" -}}
app.kubernetes.io/name: lockstep
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "lockstep.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
