{{/* Each service's Kafka access, from files/kafka-access.txt (the one list the ACLs are made
     from too): principal, consumer group, the property that sets the group, the topics it reads
     and writes. As YAML: {planner: {principal, group, groupProperty, reads: [...], writes: [...]}}. */}}
{{- define "lockstep.kafkaAccess" -}}
{{- $access := dict -}}
{{- range $line := splitList "\n" (.Files.Get "files/kafka-access.txt") -}}
{{- $line = trim $line -}}
{{- if and $line (not (hasPrefix "#" $line)) -}}
{{- $f := regexSplit "\\s+" $line -1 -}}
{{- if ne (len $f) 6 }}{{ fail (printf "files/kafka-access.txt: 6 columns expected in %q" $line) }}{{ end -}}
{{- $reads := ternary (list) (splitList "," (index $f 4)) (eq (index $f 4) "-") -}}
{{- $writes := ternary (list) (splitList "," (index $f 5)) (eq (index $f 5) "-") -}}
{{- $_ := set $access (index $f 0) (dict "principal" (index $f 1) "group" (index $f 2) "groupProperty" (index $f 3) "reads" $reads "writes" $writes) -}}
{{- end -}}
{{- end -}}
{{- toYaml $access -}}
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
