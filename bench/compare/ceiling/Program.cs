// bench/compare ceiling: constant JSON bodies shaped like OPSource's answers (see Ceiling.csproj).
// Run: dotnet ceiling.dll --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var health = """{"status":"ok","database":{"status":"ok","provider":"sqlite","latency_ms":0.01},"chain_follower":{"role":"leader","mode":"single-instance"}}"""u8.ToArray();
var whoami = """{"subject":"apikey:000000000000","role":"viewer","scopes":["wallet:bench"],"key_id":"000000000000","auth_method":"api_key"}"""u8.ToArray();
var balance = """{"confirmed_sat":0,"trusted_pending_sat":0,"untrusted_pending_sat":0,"immature_sat":0,"spendable_sat":0,"total_sat":0}"""u8.ToArray();
app.MapGet("/api/v1/health", () => Results.Bytes(health, "application/json"));
app.MapGet("/api/v1/auth/whoami", () => Results.Bytes(whoami, "application/json"));
app.MapGet("/api/v1/wallets/{name}/balance", (string name) => Results.Bytes(balance, "application/json"));
// The token exchange measure.py performs before the load: any body gets a dummy token (nothing checks it here).
app.MapPost("/api/v1/auth/token", () => Results.Bytes("""{"access_token":"ceiling"}"""u8.ToArray(), "application/json"));
app.Run();
