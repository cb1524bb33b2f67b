using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.Platform.Security;
using OPSource.Server.Security;
using OPSource.Wallet;
using OPSource.Wallet.Service;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/wallets/...</c>: the wallet module over HTTP, a thin adapter over <see cref="WalletService"/> with the
/// same JSON shapes as the CLI (<see cref="WalletViews"/>). Reading needs a viewer scoped to the wallet; anything that
/// changes wallet state, signs or moves funds an operator; creating wallets (which shows a mnemonic) an unrestricted
/// admin. Passphrases and mnemonics in request bodies are read into cleared char buffers, never into strings. Refusals
/// are problem+json through the platform's mapping of <see cref="WalletOperationException"/> (400/404/409/422).
/// </summary>
public static class WalletEndpoints
{
    private static readonly string[] SecretFields = ["passphrase", "bip39_passphrase", "mnemonic"];

    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/wallets", ListAsync);
        api.MapPost("/wallets", CreateAsync).RequireRole(ApiRole.Admin).RequireUnrestricted();
        api.MapGet("/wallets/{name}", InfoAsync).RequireScope(ResourceScope.WalletKind, "name");
        var wallet = api.MapGroup("/wallets/{name}").RequireScope(ResourceScope.WalletKind, "name");
        wallet.MapGet("/balance", BalanceAsync);
        wallet.MapGet("/utxos", UtxosAsync);
        wallet.MapGet("/transactions", HistoryAsync);
        wallet.MapGet("/addresses", AddressesAsync);
        wallet.MapGet("/labels", ExportLabelsAsync);
        wallet.MapGet("/descriptors", DescriptorsAsync);
        wallet.MapPost("/addresses", NewAddressAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/labels", ImportLabelsAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/unlock", UnlockAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/lock", Lock).RequireRole(ApiRole.Operator);
        wallet.MapPost("/send", SendAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/bump", BumpAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/cpfp", CpfpAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/psbt", CreatePsbtAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/psbt/sign", SignPsbtAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/psbt/finalize", FinalizePsbtAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/sync", SyncAsync).RequireRole(ApiRole.Operator);
        wallet.MapPost("/rescan", RescanAsync).RequireRole(ApiRole.Operator);
    }

    // Written as UTF-8 straight into the response (no intermediate UTF-16 string); same bytes as node.ToJsonString().
    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(node, WalletJsonContext.Default.JsonNode, statusCode: status);

    // ------------------------------------------------------------------ reading

    internal static async Task<IResult> ListAsync(HttpContext http, WalletService wallets, CancellationToken cancellationToken)
    {
        var principal = http.GetApiPrincipal();
        var list = new JsonArray();
        foreach (var name in await wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (principal is null || principal.CanAccess(ResourceScope.WalletKind, name))
            {
                list.Add((JsonNode)WalletViews.Info(await wallets.GetInfoAsync(name, cancellationToken).ConfigureAwait(false)));
            }
        }

        return Json(list);
    }

    internal static async Task<IResult> InfoAsync(string name, WalletService wallets, CancellationToken cancellationToken) =>
        Json(WalletViews.Info(await wallets.GetInfoAsync(name, cancellationToken).ConfigureAwait(false)));

    internal static async Task<IResult> BalanceAsync(string name, WalletService wallets, CancellationToken cancellationToken) =>
        Json(WalletViews.Balance(await wallets.GetBalanceAsync(name, cancellationToken).ConfigureAwait(false)));

    internal static async Task<IResult> UtxosAsync(string name, WalletService wallets, CancellationToken cancellationToken) =>
        Json(new JsonArray([.. (await wallets.ListUnspentAsync(name, cancellationToken).ConfigureAwait(false)).Select(u => (JsonNode)WalletViews.Utxo(u, wallets.Network))]));

    internal static async Task<IResult> HistoryAsync(string name, WalletService wallets, CancellationToken cancellationToken)
    {
        var txs = await wallets.ListTransactionsAsync(name, cancellationToken).ConfigureAwait(false);
        var labels = (await wallets.ListLabelsAsync(name, cancellationToken).ConfigureAwait(false)).Where(l => l.Type == "tx").ToDictionary(l => l.Ref, l => l.Label, StringComparer.Ordinal);
        return Json(new JsonArray([.. txs.Select(t => (JsonNode)WalletViews.Transaction(t, labels.GetValueOrDefault(t.TxId.ToString())))]));
    }

    internal static async Task<IResult> AddressesAsync(string name, string? keychain, WalletService wallets, CancellationToken cancellationToken) =>
        Json(new JsonArray([.. (await wallets.ListAddressesAsync(name, Keychain(keychain), cancellationToken).ConfigureAwait(false)).Select(a => (JsonNode)WalletViews.Address(a))]));

    internal static async Task<IResult> ExportLabelsAsync(string name, WalletService wallets, CancellationToken cancellationToken) =>
        Results.Text(await wallets.ExportLabelsAsync(name, cancellationToken).ConfigureAwait(false), "application/jsonl", Encoding.UTF8);

    internal static async Task<IResult> DescriptorsAsync(string name, WalletService wallets, CancellationToken cancellationToken)
    {
        var info = await wallets.GetInfoAsync(name, cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Descriptors(name, await wallets.ExportDescriptorsAsync(name, cancellationToken).ConfigureAwait(false), info.CreatedAt));
    }

    // ------------------------------------------------------------------ changing state

    internal static async Task<IResult> CreateAsync(HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var name = body.RequiredString("name");
        var mode = body.String("mode") ?? (body.String("descriptor") is not null ? "import" : body.Has("mnemonic") ? "restore" : "create");
        int? birthday = body.Int("birthday_height");
        switch (mode)
        {
            case "import":
            {
                var info = await wallets.ImportAsync(new ImportWalletRequest
                {
                    Name = name,
                    Descriptor = body.RequiredString("descriptor"),
                    ChangeDescriptor = body.String("change_descriptor"),
                    BirthdayHeight = birthday,
                }, body.Secret("passphrase"), cancellationToken).ConfigureAwait(false);
                return Json(WalletViews.Info(info), StatusCodes.Status201Created);
            }

            case "restore":
            {
                if (!Mnemonic.TryParse(body.Secret("mnemonic").Span, out var mnemonic, out var error))
                {
                    // problem+json 400 with code key.* (the typed error's Code), via DomainErrorMapper.
                    throw error.ToException();
                }

                using (mnemonic)
                {
                    var info = await wallets.RestoreAsync(CreateRequest(body, name, birthday), mnemonic, body.Secret("passphrase"), body.Secret("bip39_passphrase"), cancellationToken).ConfigureAwait(false);
                    return Json(WalletViews.Info(info), StatusCodes.Status201Created);
                }
            }

            case "create":
            {
                var (info, mnemonic) = await wallets.CreateAsync(CreateRequest(body, name, birthday), body.Secret("passphrase"), body.Secret("bip39_passphrase"), cancellationToken).ConfigureAwait(false);
                return new MnemonicResult(info, mnemonic);
            }

            default:
                throw new WalletOperationException(WalletErrorKind.InvalidRequest, "mode must be create, restore or import");
        }
    }

    private static CreateWalletRequest CreateRequest(RequestBody body, string name, int? birthday)
    {
        var template = WalletTemplate.Bip86;
        if (body.String("template") is { } t && !DescriptorTemplates.TryParse(t, out template))
        {
            throw new WalletOperationException(WalletErrorKind.InvalidRequest, "template must be bip86, bip84, bip49 or bip44");
        }

        return new CreateWalletRequest
        {
            Name = name,
            Template = template,
            WordCount = body.Int("words") ?? 24,
            Account = (uint)Math.Max(0, body.Int("account") ?? 0),
            BirthdayHeight = birthday,
        };
    }

    internal static async Task<IResult> NewAddressAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken, allowEmpty: true).ConfigureAwait(false);
        var keychain = Keychain(body.String("keychain"));
        var address = body.Bool("unused") == true
            ? await wallets.GetUnusedAddressAsync(name, keychain, cancellationToken).ConfigureAwait(false)
            : await wallets.GetNewAddressAsync(name, keychain, cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Address(address));
    }

    internal static async Task<IResult> ImportLabelsAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        var count = await wallets.ImportLabelsAsync(name, text, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["imported"] = count });
    }

    internal static async Task<IResult> UnlockAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var seconds = body.Int("duration_s") ?? 600;
        var until = await wallets.UnlockAsync(name, body.Secret("passphrase"), TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["name"] = name, ["unlocked_until"] = WalletViews.Time(until) });
    }

    internal static IResult Lock(string name, WalletService wallets) =>
        Json(new JsonObject { ["name"] = name, ["was_unlocked"] = wallets.Lock(name) });

    internal static async Task<IResult> SendAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var result = await wallets.SendAsync(name, Spend(body), body.Secret("passphrase"), cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Spend(result));
    }

    internal static async Task<IResult> BumpAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var result = await wallets.BumpFeeAsync(name, body.TxId("txid"), body.FeeRate("fee_rate_sat_vb"), body.Secret("passphrase"), cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Spend(result));
    }

    internal static async Task<IResult> CpfpAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var result = await wallets.CpfpAsync(name, body.TxId("txid"), body.FeeRate("fee_rate_sat_vb"), body.Secret("passphrase"), cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Spend(result));
    }

    internal static async Task<IResult> CreatePsbtAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Psbt(await wallets.CreatePsbtAsync(name, Spend(body), cancellationToken).ConfigureAwait(false)));
    }

    internal static async Task<IResult> SignPsbtAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var result = await wallets.SignPsbtAsync(name, body.Psbt("psbt"), body.Secret("passphrase"), cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Signed(result));
    }

    internal static async Task<IResult> FinalizePsbtAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var (tx, sent) = await wallets.FinalizePsbtAsync(name, body.Psbt("psbt"), body.Bool("broadcast") == true, cancellationToken).ConfigureAwait(false);
        return Json(WalletViews.Finalized(tx, sent));
    }

    internal static async Task<IResult> SyncAsync(string name, WalletService wallets, CancellationToken cancellationToken) =>
        Json(WalletViews.Sync(name, await wallets.SyncAsync(name, mempool: true, cancellationToken).ConfigureAwait(false)));

    internal static async Task<IResult> RescanAsync(string name, HttpRequest request, WalletService wallets, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, cancellationToken, allowEmpty: true).ConfigureAwait(false);
        return Json(WalletViews.Sync(name, await wallets.RescanAsync(name, body.Int("from_height"), cancellationToken).ConfigureAwait(false)));
    }

    private static WalletKeychain Keychain(string? text) => text switch
    {
        null or "" or "receive" or "external" => WalletKeychain.External,
        "change" or "internal" => WalletKeychain.Internal,
        _ => throw new WalletOperationException(WalletErrorKind.InvalidRequest, "keychain must be receive or change"),
    };

    private static SpendRequest Spend(RequestBody body)
    {
        var payments = new List<Payment>();
        if (body.Node("payments") is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not JsonObject p || p["address"] is not JsonValue a || !a.TryGetValue<string>(out var address))
                {
                    throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"payments[{i}]: needs an address and amount_sat");
                }

                long amount = 0;
                if (p["amount_sat"] is JsonValue v && !v.TryGetValue(out amount))
                {
                    throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"payments[{i}].amount_sat must be a whole number of satoshis");
                }

                if (p["amount_sat"] is null && body.Bool("send_max") != true)
                {
                    throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"payments[{i}].amount_sat is required");
                }

                // Core MoneyRange: an output value is 0..MAX_MONEY.
                if (!Amount.TryFromSatoshis(amount, out var value))
                {
                    throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"payments[{i}].amount_sat must be between 0 and 2100000000000000 (21,000,000 BTC)");
                }

                payments.Add(new Payment(address, value));
            }
        }

        byte[]? data = null;
        if (body.String("op_return_hex") is { } hex && !Hex.TryParse(hex, out data, out var hexError))
        {
            throw new EncodingError(hexError.Kind, "op_return_hex: " + hexError.Message, hexError.Position).ToException();
        }

        return new SpendRequest
        {
            Payments = payments,
            OpReturnData = data,
            FeeRate = body.FeeRate("fee_rate_sat_vb"),
            ConfirmationTarget = body.Int("conf_target"),
            SendMax = body.Bool("send_max") == true,
            MustUse = body.OutPoints("utxos"),
            MustNotUse = body.OutPoints("exclude"),
            AllowOtherInputs = body.Bool("only_selected") != true,
            MinConfirmations = Math.Max(0, body.Int("min_conf") ?? 0),
            AvoidReuse = body.Bool("avoid_reuse") == true,
            EnableRbf = body.Bool("rbf") != false,
            Label = body.String("label"),
        };
    }

    /// <summary>
    /// A JSON request body whose secret fields (passphrase, bip39_passphrase, mnemonic) are copied into pinned char
    /// buffers and cleared on dispose; the raw bytes are cleared after parsing. Other fields are kept as JSON nodes.
    /// </summary>
    private sealed class RequestBody : IDisposable
    {
        private readonly JsonObject _fields = [];
        private readonly Dictionary<string, char[]> _secrets = new(StringComparer.Ordinal);

        public static async Task<RequestBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken, bool allowEmpty = false)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var chunk = new byte[8192];
            try
            {
                int n;
                while ((n = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    chunk.AsSpan(0, n).CopyTo(buffer.GetSpan(n));
                    buffer.Advance(n);
                }

                var result = new RequestBody();
                if (buffer.WrittenCount == 0 && allowEmpty)
                {
                    return result;
                }

                try
                {
                    result.Parse(buffer.WrittenSpan);
                }
                catch (JsonException)
                {
                    result.Dispose();
                    throw new WalletOperationException(WalletErrorKind.InvalidRequest, "the request body is not a JSON object");
                }

                return result;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(chunk);
                CryptographicOperations.ZeroMemory(WrittenBytes(buffer));
            }
        }

        private static Span<byte> WrittenBytes(ArrayBufferWriter<byte> buffer) =>
            System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span;

        private void Parse(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException();
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    throw new JsonException();
                }

                var name = reader.GetString()!;
                if (!reader.Read())
                {
                    throw new JsonException();
                }

                if (SecretFields.Contains(name, StringComparer.Ordinal))
                {
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"{name} must be a string");
                    }

                    var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                    var chars = GC.AllocateArray<char>((int)length, pinned: true);
                    var written = reader.CopyString(chars);
                    var exact = GC.AllocateArray<char>(written, pinned: true);
                    chars.AsSpan(0, written).CopyTo(exact);
                    Array.Clear(chars);
                    if (_secrets.Remove(name, out var old))
                    {
                        Array.Clear(old);
                    }

                    _secrets[name] = exact;
                    continue;
                }

                _fields[name] = JsonNode.Parse(ref reader);
            }
        }

        public bool Has(string name) => _fields.ContainsKey(name) || _secrets.ContainsKey(name);

        public ReadOnlyMemory<char> Secret(string name) => _secrets.TryGetValue(name, out var v) ? v : ReadOnlyMemory<char>.Empty;

        public JsonNode? Node(string name) => _fields[name];

        public string? String(string name) => _fields[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw Invalid(name, "a string"),
        };

        public string RequiredString(string name) => String(name) is { Length: > 0 } s ? s : throw Invalid(name, "a non-empty string");

        public int? Int(string name) => _fields[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            _ => throw Invalid(name, "a whole number"),
        };

        public bool? Bool(string name) => _fields[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw Invalid(name, "true or false"),
        };

        public FeeRate? FeeRate(string name)
        {
            if (_fields[name] is null)
            {
                return null;
            }

            if (_fields[name] is not JsonValue v || !v.TryGetValue<decimal>(out var satVb) || satVb <= 0 || satVb > 100_000 || decimal.Round(satVb, 3) != satVb)
            {
                throw Invalid(name, "a fee rate in sat/vB (at most 3 decimals)");
            }

            return Bitcoin.FeeRate.FromSatoshisPerVByte(satVb);
        }

        public TxId TxId(string name) =>
            Bitcoin.Transactions.TxId.TryParse(String(name), out var txid) ? txid : throw Invalid(name, "a 64-digit hex transaction id");

        public IReadOnlyList<OutPoint> OutPoints(string name)
        {
            if (_fields[name] is null)
            {
                return [];
            }

            if (_fields[name] is not JsonArray list)
            {
                throw Invalid(name, "an array of \"txid:vout\"");
            }

            var result = new List<OutPoint>();
            foreach (var item in list)
            {
                if (item is not JsonValue v || !v.TryGetValue<string>(out var text) || !OutPoint.TryParse(text, out var op))
                {
                    throw Invalid(name, "an array of \"txid:vout\"");
                }

                result.Add(op);
            }

            return result;
        }

        public PsbtDocument Psbt(string name) =>
            PsbtDocument.TryParse(RequiredString(name), out var psbt, out var error) ? psbt : throw new OPSource.Bitcoin.Psbt.PsbtError(error.Kind, name + ": " + error.Message, error.Position).ToException();

        private static WalletOperationException Invalid(string name, string what) => new(WalletErrorKind.InvalidRequest, $"{name} must be {what}");

        public void Dispose()
        {
            foreach (var secret in _secrets.Values)
            {
                Array.Clear(secret);
            }

            _secrets.Clear();
        }
    }

    /// <summary>201 with the new wallet and its mnemonic, written from the char buffer (no string of the phrase is made).</summary>
    private sealed class MnemonicResult(WalletInfo info, Mnemonic mnemonic) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            var buffer = new ArrayBufferWriter<byte>();
            using (mnemonic)
            {
                var phrase = GC.AllocateArray<char>(mnemonic.PhraseLength, pinned: true);
                try
                {
                    mnemonic.CopyPhraseTo(phrase);
                    using var writer = new Utf8JsonWriter(buffer);
                    WalletViews.WriteInfoWithMnemonic(writer, info, phrase);
                }
                finally
                {
                    Array.Clear(phrase);
                }
            }

            httpContext.Response.StatusCode = StatusCodes.Status201Created;
            httpContext.Response.ContentType = "application/json";
            httpContext.Response.Headers.CacheControl = "no-store";
            try
            {
                await httpContext.Response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span);
            }
        }
    }
}

/// <summary>Source-generated JSON metadata for the wallet endpoints (responses are built as JSON nodes).</summary>
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
internal sealed partial class WalletJsonContext : JsonSerializerContext;
