-- wrk script: authenticated `customers(first: 100)` GraphQL queries.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("PLUMB_TOKEN")
wrk.body = '{"query":"{ customers(first: 100) { totalCount nodes { id name externalId labels } } }"}'

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
