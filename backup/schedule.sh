# shellcheck shell=sh
# The one rule for BACKUP_SCHEDULE, sourced by scripts/env/validate.sh (make check-env, make up) and
# by the backup service's entrypoint (backup/entrypoint.sh): what BusyBox crond runs as written.
# BusyBox crond skips a line it cannot parse without a word, so nothing else may reach it.

# schedule_problem EXPR: prints nothing when EXPR is `off` or a cron expression of five fields
# (minute hour day-of-month month day-of-week), each `*` or comma-separated numbers and ranges
# (N, N-M), each optionally with a step (/S); else one sentence saying what is wrong. Names
# (mon, jan) and @daily-style macros are left out: crond implementations differ on them.
schedule_problem() {
  [ "$1" = off ] && return 0
  printf '%s\n' "$1" | awk '
    function item(s, lo, hi,   step, a, b, n, r) {
      step = ""
      if (index(s, "/")) { step = substr(s, index(s, "/") + 1); s = substr(s, 1, index(s, "/") - 1)
        if (step !~ /^[0-9]+$/ || step + 0 < 1) return "the step /" step " is not a whole number from 1" }
      if (s == "*") return ""
      n = split(s, r, "-")
      if (n > 2 || r[1] !~ /^[0-9]+$/ || (n == 2 && r[2] !~ /^[0-9]+$/)) return "\"" s "\" is not *, a number or a range N-M"
      a = r[1] + 0; b = (n == 2) ? r[2] + 0 : a
      if (a < lo || b > hi) return s " is outside " lo "-" hi
      if (a > b) return "the range " s " goes backwards"
      return ""
    }
    {
      if (NF != 5) { print "has " NF " fields; a cron expression has 5: minute hour day-of-month month day-of-week"; exit }
      split("minute hour day-of-month month day-of-week", names, " ")
      split("0 0 1 1 0", los, " "); split("59 23 31 12 6", his, " ")
      for (f = 1; f <= 5; f++) {
        n = split($f, items, ",")
        for (i = 1; i <= n; i++) if ((p = item(items[i], los[f], his[f])) != "") { print "field " f " (" names[f] "): " p; exit }
      }
    }'
}
