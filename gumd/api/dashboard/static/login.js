// The login page hands this tab the session's page key once: keep it in sessionStorage (this origin, this
// tab only; never a cookie, never in a later response) and open the dashboard.
"use strict";
sessionStorage.setItem("gumd.key", document.querySelector('meta[name="gumd-key"]').content);
location.replace("/dashboard");
