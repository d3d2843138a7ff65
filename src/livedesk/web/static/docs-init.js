// Starts Swagger UI on /docs (web/docs.py) with the settings the page carries in `data-config`:
// a script of LiveDesk's own, so that the page's Content-Security-Policy runs no inline script.
"use strict";
(function () {
  var holder = document.getElementById("swagger-ui");
  var config = JSON.parse(holder.getAttribute("data-config"));
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
