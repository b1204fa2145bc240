// plumb's GraphiQL page: GraphiQL with a fetcher that sends the bearer token typed in the bar
// above it. The token is kept in sessionStorage (this tab only) and sent as
// `Authorization: Bearer <token>` to the endpoint named by this script's `data-endpoint`.
(function () {
  'use strict';
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute('data-endpoint')) || '/api';
  var KEY = 'plumb.graphiql.token';
  var input = document.getElementById('plumb-token');
  var status = document.getElementById('plumb-status');

  function stored() {
    try { return window.sessionStorage.getItem(KEY) || ''; } catch (e) { return ''; }
  }
  function store(token) {
    try {
      if (token) { window.sessionStorage.setItem(KEY, token); }
      else { window.sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage refused: the token lives in the field only */ }
  }
  function show() {
    status.textContent = input.value ? 'token set for this tab' : 'no token: requests answer 401';
  }

  input.value = stored();
  show();
  input.addEventListener('input', function () { store(input.value.trim()); show(); });
  document.getElementById('plumb-forget').addEventListener('click', function () {
    input.value = '';
    store('');
    show();
  });

  function fetcher(params, options) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    var token = input.value.trim();
    if (token) { headers.Authorization = 'Bearer ' + token; }
    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'omit'
    }).then(function (response) {
      if (response.status === 401) {
        return { errors: [{ message: '401: the bearer token is missing or not valid' }] };
      }
      return response.text().then(function (text) {
        try { return JSON.parse(text); } catch (e) {
          return { errors: [{ message: 'HTTP ' + response.status + ': ' + text }] };
        }
      });
    });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher }));
}());
