// plumb's embedded screens, driven by Prismatic's embedding SDK (@prismatic-io/embedded).
//
// The page is an empty shell. It posts PRISMATIC_INITIALIZED to its parent; the SDK answers
// SET_TOKEN (the customer user's JWT, kept in memory only) and the screen's settings. Content is
// fetched from /embedded/screens/... with the token as bearer and the parent's origin, which the
// server checks against the organization's allowed origins; events are posted to that origin
// only. Messages plumb has no use for (SET_VERSION, SET_TRANSLATION, SET_AGENT_CONTEXT, ...) are
// ignored.
(function () {
  "use strict";
  var body = document.body;
  var root = document.getElementById("screen");
  if (!root || window.parent === window) {
    return; // not framed: nothing to show
  }
  var screen = body.getAttribute("data-screen");
  var params = new URLSearchParams(window.location.search);
  var token = null;
  var host = null; // the parent's origin, from SET_TOKEN
  var filters = {};
  var loaded = false;
  var wizard = null; // the open wizard's state

  if (params.get("theme") === "DARK") {
    body.classList.add("theme-dark");
  }

  function post(event, data) {
    if (host) {
      window.parent.postMessage({ event: event, data: data }, host);
    }
  }

  function request(path, options) {
    options = options || {};
    var headers = {
      Authorization: "Bearer " + token,
      "X-Plumb-Embed-Origin": host,
    };
    if (options.body) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    return fetch(path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body,
      credentials: "omit",
    });
  }

  function show(html) {
    root.innerHTML = html;
  }

  function refusal(response) {
    return response.text().then(function (text) {
      var message = text;
      try {
        message = JSON.parse(text).error || text;
      } catch (e) {
        /* an HTML fragment */
      }
      if (text.indexOf("<div") === 0) {
        show(text);
      } else {
        var p = document.createElement("div");
        p.className = "notice error";
        p.setAttribute("role", "alert");
        p.textContent = message;
        root.replaceChildren(p);
      }
    });
  }

  function load() {
    loaded = true;
    if (screen === "marketplace") {
      openMarketplace("");
    } else if (screen === "wizard") {
      var instance = body.getAttribute("data-instance");
      var q = new URLSearchParams();
      ["integrationName", "integrationId", "instanceId"].forEach(function (k) {
        if (params.get(k)) {
          q.set(k, params.get(k));
        }
      });
      if (instance) {
        q.set("instanceId", instance);
      }
      openWizard(q.toString());
    } else if (screen === "connections") {
      openConnections();
    } else {
      var p = document.createElement("div");
      p.className = "empty";
      p.textContent = "This screen is not available on this server.";
      root.replaceChildren(p);
    }
  }

  function openMarketplace(search) {
    var q = new URLSearchParams();
    if (search) {
      q.set("search", search);
    }
    var m = filters.marketplace || {};
    if (m.includeActiveIntegrations === false) {
      q.set("includeActiveIntegrations", "false");
    }
    request("/embedded/screens/marketplace?" + q.toString()).then(function (r) {
      if (!r.ok) {
        return refusal(r);
      }
      return r.text().then(function (html) {
        wizard = null;
        show(html);
      });
    });
  }

  // ----- the customer's connections -----

  function openConnections() {
    request("/embedded/screens/connections").then(function (r) {
      if (!r.ok) {
        return refusal(r);
      }
      return r.text().then(show);
    });
  }

  function saveConnection(form) {
    var id = form.getAttribute("data-connection-form");
    request("/embedded/screens/connections/save?id=" + encodeURIComponent(id), {
      method: "POST",
      body: fieldValues(form).toString(),
    }).then(function (r) {
      if (r.status >= 500 || r.status === 401 || r.status === 403) {
        return refusal(r);
      }
      return r.text().then(show);
    });
  }

  // An OAuth 2.0 connection: save the form's inputs, then authorize in a pop-up (opened at
  // once, inside the click, so that no pop-up blocker stops it) and wait until the tokens are
  // stored; then close the pop-up and show the connection connected.
  function authorizeConnection(form, id) {
    var popup = window.open("about:blank", "plumb-oauth", "popup,width=600,height=720");
    var notice = function (text) {
      if (popup) {
        popup.close();
      }
      var p = document.createElement("div");
      p.className = "notice error";
      p.setAttribute("role", "alert");
      p.textContent = text;
      form.prepend(p);
    };
    var q = "?id=" + encodeURIComponent(id);
    request("/embedded/screens/connections/save" + q, {
      method: "POST",
      body: fieldValues(form).toString(),
    })
      .then(function (r) {
        if (!r.ok) {
          if (popup) {
            popup.close();
          }
          return r.text().then(show);
        }
        return request("/embedded/screens/connections/authorize" + q, { method: "POST" }).then(
          function (a) {
            return a.json().then(function (answer) {
              if (!a.ok || !answer.authorizeUrl) {
                notice(answer.error || "The authorization could not start.");
                return;
              }
              if (!popup) {
                notice("Allow pop-ups for this page to connect.");
                return;
              }
              popup.location.href = answer.authorizeUrl;
              waitConnected(q, popup, Date.now());
            });
          }
        );
      })
      .catch(function () {
        notice("The authorization could not start.");
      });
  }

  function waitConnected(q, popup, since) {
    request("/embedded/screens/connections/state" + q).then(function (r) {
      return r.json().then(function (answer) {
        if (answer.connected) {
          popup.close();
          openConnections();
        } else if (!popup.closed && Date.now() - since < 600000) {
          setTimeout(function () {
            waitConnected(q, popup, since);
          }, 500);
        } else {
          openConnections();
        }
      });
    });
  }

  // ----- the configuration wizard -----

  function fieldValues(form) {
    var out = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      out.append(k, v);
    });
    return out;
  }

  function currentValues() {
    var form = root.querySelector("form[data-wizard]");
    var vars = JSON.parse(JSON.stringify(wizard.configVars));
    Object.keys(vars).forEach(function (key) {
      var v = vars[key];
      if (v.dataType === "connection") {
        Object.keys(v.inputs || {}).forEach(function (name) {
          var el = form.elements["conn." + key + "." + name];
          if (el) {
            v.inputs[name] = { value: el.value };
          }
        });
      } else {
        var el = form.elements["cv." + key];
        if (el && el.type === "checkbox") {
          v.value = el.checked ? "true" : "false";
        } else if (el && !v.collectionType) {
          v.value = el.value;
        }
      }
    });
    return vars;
  }

  function pageContent(n) {
    var section = root.querySelector('section[data-page="' + n + '"]');
    var vars = currentValues();
    var out = {};
    section.querySelectorAll("[data-field]").forEach(function (f) {
      var name = f.getAttribute("data-field");
      if (name.indexOf("cv.") === 0) {
        var key = name.slice(3);
        if (vars[key]) {
          out[key] = vars[key].value;
        }
      }
    });
    section.querySelectorAll("[data-connection]").forEach(function (c) {
      var key = c.getAttribute("data-connection");
      if (vars[key]) {
        out[key] = vars[key];
      }
    });
    return out;
  }

  function eventData(extra) {
    var data = JSON.parse(JSON.stringify(wizard.message));
    Object.keys(extra || {}).forEach(function (k) {
      data[k] = extra[k];
    });
    return data;
  }

  function showPage(n) {
    var pages = root.querySelectorAll("section[data-page]");
    wizard.page = n;
    pages.forEach(function (p, i) {
      p.hidden = i !== n;
    });
    var last = n === pages.length - 1;
    var form = root.querySelector("form[data-wizard]");
    form.querySelector("[data-back]").hidden = n === 0;
    form.querySelector("[data-next]").hidden = last;
    var deploy = form.querySelector("[data-deploy]");
    if (deploy) {
      deploy.hidden = !last;
    }
    var section = pages[n];
    post(
      "INSTANCE_CONFIGURATION_PAGE_LOADED",
      eventData({
        configVars: currentValues(),
        pageName: section.getAttribute("data-page-name"),
        pageContent: pageContent(n),
      })
    );
  }

  function showErrors(errors) {
    var form = root.querySelector("form[data-wizard]");
    form.querySelectorAll("[data-error-for]").forEach(function (e) {
      e.textContent = "";
    });
    var box = form.querySelector("[data-errors]");
    var lines = [];
    errors.forEach(function (e) {
      var slot = form.querySelector('[data-error-for="' + CSS.escape(e.field) + '"]');
      if (slot) {
        slot.textContent = e.messages.join("; ");
      }
      lines.push(e.messages.join("; "));
    });
    box.textContent = lines.join(" · ");
    box.hidden = lines.length === 0;
  }

  function openWizard(query) {
    request("/embedded/screens/wizard?" + query).then(function (r) {
      if (!r.ok) {
        return refusal(r);
      }
      return r.text().then(function (html) {
        show(html);
        var view = root.querySelector("[data-view=wizard]");
        wizard = {
          target: view.getAttribute("data-target"),
          message: JSON.parse(view.getAttribute("data-message")),
          configVars: JSON.parse(view.getAttribute("data-config-vars")),
          page: 0,
        };
        post("INSTANCE_CONFIGURATION_OPENED", eventData());
        post("INSTANCE_CONFIGURATION_LOADED", eventData({ configVars: currentValues() }));
        showPage(0);
      });
    });
  }

  function next() {
    var form = root.querySelector("form[data-wizard]");
    var page = wizard.page;
    request("/embedded/screens/wizard/check?" + wizard.target + "&page=" + page, {
      method: "POST",
      body: fieldValues(form).toString(),
    })
      .then(function (r) {
        return r.json();
      })
      .then(function (answer) {
        var errors = answer.errors || [];
        showErrors(errors);
        if (errors.length === 0) {
          showPage(page + 1);
        }
      });
  }

  function deploy() {
    var form = root.querySelector("form[data-wizard]");
    var button = form.querySelector("[data-deploy]");
    button.disabled = true;
    request("/embedded/screens/wizard/deploy?" + wizard.target, {
      method: "POST",
      body: fieldValues(form).toString(),
    })
      .then(function (r) {
        return r.json().then(function (answer) {
          button.disabled = false;
          if (!r.ok) {
            showErrors(answer.errors || [{ field: "", messages: [answer.error || "failed"] }]);
            return;
          }
          wizard.message = answer.data;
          if (answer.created) {
            post("INSTANCE_CREATED", eventData());
          }
          post("INSTANCE_DEPLOYED", eventData());
          post("INSTANCE_CONFIGURATION_CLOSED", eventData());
          var done = document.createElement("div");
          done.className = "notice ok";
          done.setAttribute("role", "status");
          done.setAttribute("data-deployed", "");
          done.textContent = answer.data.instanceName + " is deployed.";
          root.replaceChildren(done);
          wizard = null;
        });
      });
  }

  // Remove: a second click confirms (no dialog: the frame may not open one); then
  // INSTANCE_DELETED and INSTANCE_CONFIGURATION_CLOSED, and back to the marketplace unless the
  // host asked skipRedirectOnRemove.
  function removeInstance(button) {
    if (!button.hasAttribute("data-armed")) {
      button.setAttribute("data-armed", "");
      button.textContent = "Click again to remove " + wizard.message.instanceName;
      return;
    }
    button.disabled = true;
    request("/embedded/screens/wizard/remove?" + wizard.target, { method: "POST" }).then(function (r) {
      return r.json().then(function (answer) {
        button.disabled = false;
        if (!r.ok) {
          showErrors(answer.errors || [{ field: "", messages: [answer.error || "failed"] }]);
          return;
        }
        wizard.message = answer.data;
        post("INSTANCE_DELETED", eventData());
        post("INSTANCE_CONFIGURATION_CLOSED", eventData());
        wizard = null;
        if (screen === "marketplace" && params.get("skipRedirectOnRemove") !== "true") {
          openMarketplace("");
          return;
        }
        var done = document.createElement("div");
        done.className = "notice ok";
        done.setAttribute("role", "status");
        done.setAttribute("data-removed", "");
        done.textContent = answer.data.instanceName + " is removed.";
        root.replaceChildren(done);
      });
    });
  }

  function applyConfigVars(values) {
    var form = root.querySelector("form[data-wizard]");
    if (!form || !values) {
      return;
    }
    Object.keys(values).forEach(function (key) {
      var given = values[key] || {};
      if (given.inputs) {
        Object.keys(given.inputs).forEach(function (name) {
          var el = form.elements["conn." + key + "." + name];
          var v = given.inputs[name];
          if (el && v && typeof v.value === "string") {
            el.value = v.value;
          }
        });
        return;
      }
      var el = form.elements["cv." + key];
      if (!el) {
        return; // not the customer's to set
      }
      var value = given.value;
      if (el.type === "checkbox") {
        el.checked = value === true || value === "true";
      } else if (Array.isArray(value)) {
        el.value = value
          .map(function (x) {
            return typeof x === "object" ? x.key + "=" + x.value : String(x);
          })
          .join("\n");
      } else if (value !== undefined && value !== null) {
        el.value = String(value);
      }
    });
  }

  // ----- events -----

  root.addEventListener("click", function (event) {
    var t = event.target.closest("button");
    if (!t) {
      return;
    }
    if (t.hasAttribute("data-authorize")) {
      authorizeConnection(t.closest("form"), t.getAttribute("data-authorize"));
    } else if (t.hasAttribute("data-open")) {
      openWizard(t.getAttribute("data-open"));
    } else if (t.hasAttribute("data-remove") && wizard) {
      removeInstance(t);
    } else if (t.hasAttribute("data-next")) {
      next();
    } else if (t.hasAttribute("data-back") && wizard) {
      showPage(Math.max(0, wizard.page - 1));
    } else if (t.hasAttribute("data-cancel") && wizard) {
      post("INSTANCE_CONFIGURATION_CANCELED", eventData());
      post("INSTANCE_CONFIGURATION_CLOSED", eventData());
      wizard = null;
      if (screen === "marketplace") {
        openMarketplace("");
      } else {
        root.replaceChildren();
      }
    }
  });

  root.addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    if (form.hasAttribute("data-connection-form")) {
      saveConnection(form);
    } else if (form.hasAttribute("data-search")) {
      openMarketplace(form.elements.search.value);
    } else if (form.hasAttribute("data-wizard") && wizard) {
      var pages = root.querySelectorAll("section[data-page]");
      if (wizard.page < pages.length - 1) {
        next();
      } else {
        deploy();
      }
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) {
      return;
    }
    var m = event.data || {};
    switch (m.event) {
      case "SET_TOKEN":
        if (typeof m.data === "string" && m.data) {
          token = m.data;
          host = event.origin;
          if (!loaded) {
            // The SDK sends its settings right after the token: let them arrive first.
            setTimeout(load, 50);
            loaded = true;
          }
        }
        break;
      case "SET_FILTERS":
        filters = m.data || {};
        if (token && screen === "marketplace" && !wizard && root.children.length) {
          openMarketplace("");
        }
        break;
      case "SET_CONFIG_VAR":
        applyConfigVars(m.data);
        break;
      case "SET_SCREEN_CONFIGURATION":
        if (m.data && m.data.marketplace && m.data.marketplace.hideSearch) {
          body.classList.add("hide-search");
        }
        break;
      default:
        break; // SET_VERSION, SET_TRANSLATION, SET_AGENT_CONTEXT: nothing to do
    }
  });

  window.parent.postMessage({ event: "PRISMATIC_INITIALIZED" }, "*");
})();
