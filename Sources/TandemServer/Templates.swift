// The dashboard's templates, style sheet and script, compiled into the binary: nothing is read
// from disk or from another site at run time (no CDN, no remote font, no remote script).
// Mustache escapes every {{value}}; {{{raw}}} is used only for HTML this server built itself
// (the page body, the SVG chart), never for text from a file or a person.

enum Templates {
    static let all: [String: String] = [
        "layout": layout, "signin": signin, "inbox": inbox, "keyResult": keyResult, "unit": unit, "error": error,
        "overview": overview, "runs": runs, "policy": policy, "accounts": accounts, "audit": audit, "whatif": whatif,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Tandem</title>
        <link rel="stylesheet" href="/assets/tandem.css">
        <script src="/assets/tandem.js" defer></script>
        </head>
        <body>
        <header class="top">
          <a class="brand" href="/inbox">Tandem</a>
          {{#viewer}}
          <nav>
            <a href="/inbox"{{#nav.inbox}} aria-current="page"{{/nav.inbox}}>Alert inbox</a>
            <a href="/units"{{#nav.units}} aria-current="page"{{/nav.units}}>Organisation</a>
            <a href="/runs"{{#nav.runs}} aria-current="page"{{/nav.runs}}>Runs</a>
            <a href="/policy"{{#nav.policy}} aria-current="page"{{/nav.policy}}>Policy</a>
            {{#whatif}}<a href="/whatif"{{#nav.whatif}} aria-current="page"{{/nav.whatif}}>What if</a>{{/whatif}}
            {{#admin}}<a href="/admin/accounts"{{#nav.admin}} aria-current="page"{{/nav.admin}}>Accounts</a>
            <a href="/admin/audit"{{#nav.audit}} aria-current="page"{{/nav.audit}}>Audit log</a>{{/admin}}
          </nav>
          <form class="signout" method="post" action="/signout">
            <span class="who">{{name}} · {{role}}</span>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">Sign out</button>
          </form>
          {{/viewer}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signin = """
        <section class="signin">
        <h1>Sign in to Tandem</h1>
        {{#message}}<p class="problem" role="alert">{{message}}</p>{{/message}}
        <form method="post" action="/signin">
          <input type="hidden" name="next" value="{{next}}">
          <label>Email <input type="email" name="email" value="{{email}}" autocomplete="username" required autofocus></label>
          <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
          <button type="submit">Sign in</button>
        </form>
        </section>
        """

    static let inbox = """
        <h1>Alert inbox{{#unitName}} · {{unitName}}{{/unitName}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <form class="filters" method="get" action="/inbox">
          <label>Unit (with the units below) <input name="unit" value="{{filter.unit}}" list="units" placeholder="all units"></label>
          <datalist id="units">{{{unitOptions}}}</datalist>
          <label>Owner <input name="owner" value="{{filter.owner}}" placeholder="anyone"></label>
          <label>Severity <select name="severity">{{{severities}}}</select></label>
          <label>Status <select name="status">{{{statuses}}}</select></label>
          <label>Kind <select name="kind">{{{kinds}}}</select></label>
          <label>Sort <select name="sort">{{{sorts}}}</select></label>
          <button type="submit">Show</button>
        </form>
        {{^hasAlerts}}<p class="empty">No alert matches.</p>{{/hasAlerts}}
        {{#hasAlerts}}
        <table class="alerts">
        <thead><tr><th>#</th><th>Severity</th><th>Key result</th><th>Unit</th><th>Owner</th><th class="num">P(success)</th><th>Opened</th><th>Status</th><th>Act</th></tr></thead>
        <tbody>
        {{{rows}}}
        </tbody>
        </table>
        {{/hasAlerts}}
        <nav class="pages">
          {{#firstLink}}<a href="{{firstLink}}">First page</a>{{/firstLink}}
          {{#nextLink}}<a href="{{nextLink}}" rel="next">Next page</a>{{/nextLink}}
        </nav>
        """

    static let keyResult = """
        <p class="crumbs">{{#path}}<a href="/units/{{idPath}}">{{name}}</a> › {{/path}}</p>
        <h1>{{title}}</h1>
        <dl class="facts">
          <dt>Key result</dt><dd>{{id}} · {{kind}}{{#confidential}} · <span class="badge conf">confidential</span>{{/confidential}}</dd>
          <dt>Objective</dt><dd>{{objective}}{{#objectiveP}} · P(score ≥ 0.7) {{objectiveP}} over {{objectiveCount}} open key results{{/objectiveP}}</dd>
          <dt>Owner</dt><dd>{{owner}}</dd>
          <dt>From → to</dt><dd>{{start}} → {{target}}</dd>
          <dt>Cycle</dt><dd>{{cycleStart}} – {{cycleEnd}}</dd>
          {{#latestP}}<dt>P(success)</dt><dd>{{latestP}} at the run of {{latestDay}}</dd>{{/latestP}}
          {{#finalValue}}<dt>Final value</dt><dd>{{finalValue}}</dd>{{/finalValue}}
        </dl>
        <h2>P(success) at each weekly run</h2>
        {{{chart}}}
        {{#alerts}}
        <section class="alert sev-{{severity}}">
        <h2>Alert #{{id}} · <span class="badge {{severity}}">{{severity}}</span> · {{status}}</h2>
        <p>{{rules}}</p>
        <p class="reasons">{{reasons}}</p>
        {{#ackNote}}<p class="note">Acknowledged: “{{ackNote}}”</p>{{/ackNote}}
        {{#snoozedUntil}}<p class="note">Snoozed until {{snoozedUntil}}</p>{{/snoozedUntil}}
        </section>
        {{/alerts}}
        <h2>Ledger</h2>
        {{^events}}<p class="empty">No ledger event.</p>{{/events}}
        {{#events}}
        <table><thead><tr><th>#</th><th>Day</th><th>Event</th><th>Severity</th><th>What</th></tr></thead><tbody>
        {{{events}}}
        </tbody></table>
        {{/events}}
        <h2>Check-ins</h2>
        {{^checkIns}}<p class="empty">No check-in yet.</p>{{/checkIns}}
        {{#checkIns}}
        <table><thead><tr><th>Day</th><th class="num">Value</th><th class="num">Progress</th><th class="num">Confidence</th></tr></thead><tbody>
        {{{checkIns}}}
        </tbody></table>
        {{/checkIns}}
        """

    static let unit = """
        <p class="crumbs">{{#path}}<a href="/units/{{idPath}}">{{name}}</a> › {{/path}}</p>
        <h1>{{name}}</h1>
        <p><a href="/inbox?unit={{idQuery}}">Alerts of this unit and the units below</a></p>
        {{#mode}}<p>Managed by <strong>{{mode}}</strong> since the run of {{day}}.</p>{{/mode}}
        {{^mode}}<p class="empty">No decision yet: the unit has not been through a weekly run.</p>{{/mode}}
        {{#unexplained}}<p class="problem" role="alert">{{unexplained}}</p>{{/unexplained}}
        {{#decision}}
        <section class="decision">
        <h2>The decision{{#policyName}} by {{policyName}}{{/policyName}}</h2>
        <dl class="facts">
          <dt>Mode</dt><dd><strong>{{modeNow}}</strong>{{#parameters}} · {{parameters}}{{/parameters}}</dd>
          <dt>Decided by</dt><dd>{{decidedBy}}</dd>
          <dt>Lean</dt><dd>{{lean}} (toward OKR {{towardOKR}}, toward KPI {{towardKPI}})</dd>
          {{#margin}}<dt>Margin</dt><dd>{{margin}}</dd>{{/margin}}
        </dl>
        <h3>Evidence</h3>
        {{^evidence}}<p class="empty">No evidence rule fired.</p>{{/evidence}}
        {{#hasEvidence}}<table><thead><tr><th>When</th><th>Toward</th><th class="num">Weight</th><th>Why</th></tr></thead><tbody>
        {{#evidence}}<tr><td><code>{{condition}}</code></td><td>{{direction}}</td><td class="num">{{weight}}</td><td>{{reason}}</td></tr>{{/evidence}}
        </tbody></table>{{/hasEvidence}}
        <h3>Why not the other modes</h3>
        <ul>{{#otherModes}}<li><strong>{{mode}}</strong>: {{summary}}{{#misses}}<div class="note">{{rule}} — {{failed}}</div>{{/misses}}</li>{{/otherModes}}</ul>
        <h3>What would change it</h3>
        {{^counterfactuals}}<p class="empty">No change of one or two attributes the policy lets change would give another mode.</p>{{/counterfactuals}}
        <ul>{{#counterfactuals}}<li>{{.}}</li>{{/counterfactuals}}</ul>
        <h3>Attributes</h3>
        <table><thead><tr><th>Attribute</th><th>Value</th><th>From</th></tr></thead><tbody>
        {{#attributes}}<tr><td>{{name}}</td><td>{{value}}</td><td>{{origin}}</td></tr>{{/attributes}}
        </tbody></table>
        </section>
        {{/decision}}
        {{#hasChildren}}<h2>Units below</h2><ul>{{#children}}<li><a href="/units/{{idPath}}">{{name}}</a></li>{{/children}}</ul>{{/hasChildren}}
        <h2>Key results</h2>
        {{^keyResults}}<p class="empty">No key result you may see.</p>{{/keyResults}}
        {{#hasKeyResults}}
        <table><thead><tr><th>Key result</th><th>Kind</th><th>Owner</th><th>Cycle</th><th>Alert</th></tr></thead><tbody>
        {{#keyResults}}<tr><td><a href="/kr/{{idPath}}">{{title}}</a></td><td>{{kind}}</td><td>{{owner}}</td><td>{{cycle}}</td><td>{{#alert}}<span class="badge {{alert}}">{{alert}}</span>{{/alert}}</td></tr>{{/keyResults}}
        </tbody></table>
        {{/hasKeyResults}}
        {{#hidden}}<p class="aggregate">{{hidden}}</p>{{/hidden}}
        """

    static let overview = """
        <h1>Organisation</h1>
        <p>Each unit's mode at the latest run{{#day}} ({{day}}){{/day}} and its live alerts, the units below it included{{^aggregates}} (those you may see){{/aggregates}}.</p>
        <h2>Risk by unit</h2>
        <div class="heatmap" role="list">
        {{#heat}}<a role="listitem" class="cell heat-{{level}}" href="/units/{{idPath}}" title="{{name}}: {{critical}} critical, {{warning}} warning of {{keyResults}} key results">{{name}}<span>{{critical}}·{{warning}}</span></a>{{/heat}}
        </div>
        <p class="note">Darker: a larger share of the unit's open key results has a critical or warning alert.</p>
        <h2>The tree</h2>
        <table class="tree"><thead><tr><th>Unit</th><th>Mode</th><th class="num">Critical</th><th class="num">Warning</th><th class="num">Info</th><th class="num">Key results</th></tr></thead><tbody>
        {{#rows}}<tr><td class="depth-{{depth}}"><a href="/units/{{idPath}}">{{name}}</a></td><td>{{mode}}</td><td class="num">{{critical}}</td><td class="num">{{warning}}</td><td class="num">{{info}}</td><td class="num">{{keyResults}}</td></tr>{{/rows}}
        </tbody></table>
        {{#more}}<p class="note">{{more}}</p>{{/more}}
        """

    static let runs = """
        <h1>Weekly runs</h1>
        {{^runs}}<p class="empty">No run yet: <code>tandem run --db … --as-of YYYY-MM-DD</code> makes one.</p>{{/runs}}
        {{#hasRuns}}
        <table><thead><tr><th>Day</th><th>Policy</th><th>Model</th><th class="num">Open key results</th><th class="num">Events</th><th class="num">Opened</th><th class="num">Escalated</th><th class="num">Improved</th><th class="num">Resolved</th><th class="num">Acked</th><th>Undoable</th></tr></thead><tbody>
        {{#runs}}<tr><td>{{day}}</td><td>{{policy}}</td><td>{{model}}</td><td class="num">{{open}}</td><td class="num">{{events}}</td><td class="num">{{opened}}</td><td class="num">{{escalated}}</td><td class="num">{{improved}}</td><td class="num">{{resolved}}</td><td class="num">{{acked}}</td><td>{{undoable}}</td></tr>{{/runs}}
        </tbody></table>
        {{/hasRuns}}
        """

    static let policy = """
        <h1>Policy</h1>
        {{^inForce}}<p class="empty">No run has used a policy yet.</p>{{/inForce}}
        {{#inForce}}
        <p>In force: <strong>{{name}}</strong>{{#version}} version {{version}}{{/version}}, used by {{runs}} run{{plural}} since {{firstRun}} (digest {{digest}}).</p>
        <h2>Check</h2>
        {{^findings}}<p class="notice">No finding: every unit gets a decision, no rule is dead or shadowed.</p>{{/findings}}
        {{#hasFindings}}<pre class="details">{{#findings}}{{.}}
        {{/findings}}</pre>{{/hasFindings}}
        {{/inForce}}
        {{#diff}}
        <h2>Against the previous version{{#previous}} ({{previous}}){{/previous}}</h2>
        <p>{{summary}}</p>
        {{#hasChanges}}<table><thead><tr><th>Unit</th><th>Before</th><th>Now</th><th>Rule now</th></tr></thead><tbody>
        {{#changes}}<tr><td><a href="/units/{{idPath}}">{{name}}</a></td><td>{{old}}</td><td>{{new}}</td><td>{{rule}}</td></tr>{{/changes}}
        </tbody></table>{{/hasChanges}}
        {{/diff}}
        {{#noPrevious}}<p class="empty">The runs have used one version only: nothing to compare.</p>{{/noPrevious}}
        {{#inForce}}<details><summary>The policy's text</summary><pre class="details">{{text}}</pre></details>{{/inForce}}
        """

    static let accounts = """
        <h1>Accounts</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <table><thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Units</th><th>Person</th><th>Change</th></tr></thead><tbody>
        {{#accounts}}<tr><td>{{email}}</td><td>{{name}}</td><td>{{role}}</td><td>{{units}}</td><td>{{person}}</td><td>
          <form method="post" action="/admin/accounts/role" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="email" value="{{email}}">
            <select name="role" aria-label="Role of {{email}}">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roles}}</select>
            <input name="units" value="{{units}}" placeholder="units (leads)" aria-label="Units of {{email}}">
            <button type="submit">Set role</button>
          </form>
          <form method="post" action="/admin/accounts/remove" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="email" value="{{email}}">
            <button type="submit">Remove</button>
          </form></td></tr>{{/accounts}}
        </tbody></table>
        <h2>Add an account</h2>
        <form method="post" action="/admin/accounts" class="filters">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>Email <input type="email" name="email" required></label>
          <label>Name <input name="name" required></label>
          <label>Role <select name="role">{{#newRoles}}<option value="{{.}}">{{.}}</option>{{/newRoles}}</select></label>
          <label>Units (a lead's, comma-separated) <input name="units"></label>
          <label>Person (owner name in the files) <input name="person"></label>
          <label>Password (10 to 72 bytes) <input type="password" name="password" required minlength="10" autocomplete="new-password"></label>
          <button type="submit">Add</button>
        </form>
        """

    static let audit = """
        <h1>Audit log</h1>
        <table><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th><th>On</th><th>Detail</th><th>From</th></tr></thead><tbody>
        {{#entries}}<tr><td class="num">{{id}}</td><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td><td>{{detail}}</td><td>{{address}}</td></tr>{{/entries}}
        </tbody></table>
        <nav class="pages">{{#older}}<a href="{{older}}" rel="next">Older</a>{{/older}}</nav>
        """

    static let whatif = """
        <h1>What if</h1>
        <p>Scenarios change units' attributes, key results or the policy, and show what the decisions and chances of success become, against the store's latest run.</p>
        {{#problem}}<section class="error"><p class="problem" role="alert">{{problem}}</p>
        {{#hasDetails}}<pre class="details">{{#details}}{{.}}
        {{/details}}</pre>{{/hasDetails}}</section>{{/problem}}
        <div class="columns">
        <form method="get" action="/whatif" class="filters">
          <label>A scenario file of the store <select name="scenario">{{#scenarios}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}} ({{savedBy}})</option>{{/scenarios}}</select></label>
          <button type="submit">Show</button>
        </form>
        <form method="post" action="/whatif" enctype="multipart/form-data" class="filters">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>Or upload one (YAML, at most 1 MiB) <input type="file" name="file" accept=".yaml,.yml,.json,text/yaml" required></label>
          <label>Save it as <input name="name" placeholder="the file's name"></label>
          <button type="submit">Upload and show</button>
        </form>
        </div>
        {{#report}}<iframe class="report" title="What-if report: {{report}}" src="/whatif/report?scenario={{reportQuery}}" sandbox></iframe>{{/report}}
        """

    static let error = """
        <section class="error">
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        {{#hasDetails}}<pre class="details">{{#details}}{{.}}
        {{/details}}</pre>{{/hasDetails}}
        <p><a href="/inbox">Back to the inbox</a></p>
        </section>
        """

    static let css = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --crit: #b3261e; --warn: #a15c00; --info: #2d5fa8; --ok: #1e7a3c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; color: var(--ink); background: #f6f7f9; }
        header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; color: var(--ink); }
        header nav a { margin-right: 1rem; color: var(--muted); text-decoration: none; }
        header nav a[aria-current] { color: var(--ink); font-weight: 600; }
        .signout { margin-left: auto; display: flex; gap: .6rem; align-items: center; }
        .who { color: var(--muted); }
        main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
        h1 { font-size: 1.5rem; margin: .4rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .45rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: .85rem; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; color: #fff; background: var(--info); }
        .badge.critical { background: var(--crit); } .badge.warning { background: var(--warn); } .badge.conf { background: #6b4fa0; }
        .reasons, .note { color: var(--muted); font-size: .85rem; }
        .filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
        .filters label, .signin label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        input, select, button { font: inherit; padding: .3rem .45rem; }
        button { cursor: pointer; border: 1px solid #8a93a6; background: #fff; border-radius: .3rem; }
        .act form { display: flex; gap: .3rem; margin-bottom: .3rem; }
        .act input[name=note] { width: 12rem; }
        .signin { max-width: 22rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border: 1px solid var(--line); border-radius: .5rem; }
        .signin form { display: flex; flex-direction: column; gap: .8rem; }
        .problem { color: var(--crit); } .notice { color: var(--ok); }
        .empty, .aggregate { color: var(--muted); }
        .pages { display: flex; gap: 1rem; margin-top: 1rem; }
        .crumbs { color: var(--muted); margin: 0; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { color: var(--muted); }
        section.alert { background: #fff; border-left: 4px solid var(--info); padding: .2rem 1rem; margin: 1rem 0; }
        section.alert.sev-critical { border-color: var(--crit); } section.alert.sev-warning { border-color: var(--warn); }
        svg.chart { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
        svg.chart .series { fill: none; stroke: var(--info); stroke-width: 2; }
        svg.chart .dot { fill: var(--info); }
        svg.chart .warn { stroke: var(--warn); stroke-dasharray: 6 4; }
        svg.chart .crit { stroke: var(--crit); stroke-dasharray: 6 4; }
        svg.chart .axis { stroke: #9aa3b5; }
        svg.chart text { font-size: 12px; fill: var(--muted); }
        pre.details { background: #fff; border: 1px solid var(--line); padding: .8rem; white-space: pre-wrap; }
        .heatmap { display: flex; flex-wrap: wrap; gap: 4px; }
        .heatmap .cell { display: flex; flex-direction: column; justify-content: space-between; width: 8.5rem; height: 3.6rem; padding: .3rem .4rem;
          font-size: .8rem; text-decoration: none; color: var(--ink); border-radius: .25rem; border: 1px solid var(--line); overflow: hidden; }
        .heatmap .cell span { font-variant-numeric: tabular-nums; color: inherit; opacity: .8; }
        .heat-0 { background: #f2f7f3; } .heat-1 { background: #fdf3d8; } .heat-2 { background: #fbdcae; }
        .heat-3 { background: #f6b38a; } .heat-4 { background: #e97c62; color: #fff !important; } .heat-5 { background: #b3261e; color: #fff !important; }
        td.depth-0 { padding-left: .5rem; font-weight: 600; } td.depth-1 { padding-left: 1.7rem; } td.depth-2 { padding-left: 2.9rem; }
        td.depth-3 { padding-left: 4.1rem; } td.depth-4 { padding-left: 5.3rem; } td.depth-5 { padding-left: 6.5rem; }
        form.inline { display: inline-flex; gap: .3rem; margin: 0 .3rem .3rem 0; }
        iframe.report { width: 100%; height: 80vh; border: 1px solid var(--line); background: #fff; margin-top: 1rem; }
        .columns { display: flex; flex-wrap: wrap; gap: 2rem; }
        section.decision h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
        """

    /// A little script: asks before snoozing past a month; everything works without it.
    static let script = """
        document.addEventListener('submit', function (event) {
          var form = event.target;
          if (!form.classList || !form.classList.contains('snooze')) return;
          var until = form.querySelector('input[name=until]');
          if (!until || !until.value) return;
          var days = (Date.parse(until.value) - Date.now()) / 86400000;
          if (days > 31 && !window.confirm('Snooze for ' + Math.round(days) + ' days?')) event.preventDefault();
        });
        """
}
