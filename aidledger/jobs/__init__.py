"""Background jobs (issue 17): long work started from a page (a county's month run) runs in a thread of the server
process, as one all-or-nothing write transaction, while the page that started it polls its progress.

`codes` names the kinds and states, `views` is what a page or the API reads (pure); `tables` holds the `jobs`
table (operational state, updated in place: neither append-only nor sealed); `store` reads and writes its rows;
`service` opens a job (refusing a second run of a county's month while one is live) and fails the jobs a dead
process left behind; `workers` runs them (docs/web.md, "Background jobs").
"""
