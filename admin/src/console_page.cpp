// The console's page and style. The page holds no data: the script (console_script.cpp) asks the
// JSON API with the token the operator types in, kept in the tab's sessionStorage only.
#include "console_assets.h"

namespace saga::admin {

const std::string_view kConsoleHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>saga console</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<header>
  <span class="brand">saga console</span>
  <nav>
    <a href="#/sagas" id="nav-sagas">Sagas</a>
    <a href="#/dashboard" id="nav-dashboard">Dashboard</a>
    <a href="#/definitions" id="nav-definitions">Definitions</a>
  </nav>
  <form id="token-form" autocomplete="off">
    <input type="password" id="token" placeholder="access token" aria-label="access token">
    <button type="submit" id="token-save">Use token</button>
  </form>
</header>
<div id="error" class="banner" hidden></div>
<main id="view"></main>
<div id="confirm" class="modal" hidden>
  <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
    <h2 id="confirm-title"></h2>
    <p id="confirm-text"></p>
    <label>Your name <input id="confirm-by" maxlength="100"></label>
    <label>Reason (kept in the saga's history) <input id="confirm-reason" maxlength="500"></label>
    <div class="buttons">
      <button id="confirm-cancel" type="button">Cancel</button>
      <button id="confirm-ok" type="button" class="danger">Confirm</button>
    </div>
  </div>
</div>
<script src="/console.js"></script>
</body>
</html>
)HTML";

const std::string_view kConsoleStyle = R"CSS(
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
header { display: flex; align-items: center; gap: 24px; padding: 10px 20px; background: #1d2330;
  color: #fff; }
header .brand { font-weight: 600; font-size: 16px; }
header nav a { color: #c9d1e0; margin-right: 16px; text-decoration: none; }
header nav a.active { color: #fff; border-bottom: 2px solid #f0a030; }
header form { margin-left: auto; display: flex; gap: 6px; }
main { padding: 16px 20px; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
th { background: #eceff3; font-weight: 600; }
a { color: #1f5fbf; }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid #b9c0cc;
  border-radius: 4px; background: #fff; }
button { cursor: pointer; background: #eceff3; }
button:disabled { cursor: default; opacity: .5; }
button.danger { background: #c0392b; color: #fff; border-color: #a93226; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: #566; }
.pager { margin-top: 8px; display: flex; gap: 8px; align-items: center; }
.phase { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: #dde3ea; }
.phase-completed { background: #d4efdf; color: #1e6b3a; }
.phase-compensated { background: #fdebd0; color: #8a5a0b; }
.phase-failed { background: #f5c6cb; color: #8b1c24; }
.phase-executing, .phase-compensating { background: #d6e4f7; color: #1f4f8f; }
.breaker-open { background: #f5c6cb; color: #8b1c24; }
.breaker-half_open { background: #fdebd0; color: #8a5a0b; }
.breaker-closed { background: #d4efdf; color: #1e6b3a; }
.banner { padding: 8px 20px; background: #f5c6cb; color: #8b1c24; }
.note { padding: 8px 12px; background: #fff4d6; border: 1px solid #f0d58c; margin: 8px 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; background: #fff;
  padding: 10px 14px; }
.facts dt { color: #566; }
.facts dd { margin: 0; }
.columns { display: flex; gap: 20px; align-items: flex-start; flex-wrap: wrap; }
.columns > section { flex: 1 1 420px; min-width: 0; }
.actions { display: flex; gap: 8px; margin: 10px 0; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { background: #fff; padding: 10px 14px; min-width: 150px; border: 1px solid #e3e6eb; }
.card .value { font-size: 22px; font-weight: 600; }
.card .label { font-size: 12px; color: #566; }
ol.timeline { list-style: none; padding: 0; margin: 0; background: #fff; }
ol.timeline li { padding: 6px 10px; border-left: 4px solid #b9c0cc; border-bottom: 1px solid #eee; }
ol.timeline li.ev-failed, ol.timeline li.ev-exhausted { border-left-color: #c0392b; }
ol.timeline li.ev-ok { border-left-color: #27ae60; }
ol.timeline li.ev-compensation { border-left-color: #e67e22; }
ol.timeline li.ev-operator { border-left-color: #8e44ad; }
ol.timeline .when { color: #566; font-size: 12px; margin-right: 8px; }
ol.timeline .detail { color: #566; font-size: 12px; }
svg.diagram { background: #fff; border: 1px solid #e3e6eb; }
svg.diagram rect { fill: #f7f9fc; stroke: #8a94a6; stroke-width: 1.2; }
svg.diagram rect.pivot { fill: #fff4d6; }
svg.diagram rect.done { fill: #e8f6ee; stroke: #27ae60; }
svg.diagram rect.comp { stroke-dasharray: 5 3; }
svg.diagram rect.current { stroke: #e67e22; stroke-width: 3.5; }
svg.diagram rect.current.failed { stroke: #c0392b; }
svg.diagram text { font: 12px system-ui, sans-serif; fill: #1d2330; }
svg.diagram line, svg.diagram path { stroke: #8a94a6; stroke-width: 1.2; fill: none; }
svg.diagram line.back { stroke-dasharray: 4 3; }
.modal { position: fixed; inset: 0; background: rgba(20, 25, 35, .45); display: flex;
  align-items: center; justify-content: center; }
.modal[hidden] { display: none; }
.dialog { background: #fff; padding: 18px 22px; width: 440px; border-radius: 6px; }
.dialog label { display: flex; flex-direction: column; margin: 8px 0; font-size: 12px; color: #566; }
.dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 12px; }
.muted { color: #7a8494; }
)CSS";

}  // namespace saga::admin
