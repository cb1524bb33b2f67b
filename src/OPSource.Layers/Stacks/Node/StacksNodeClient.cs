using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;
using OPSource.Platform.Errors;

namespace OPSource.Layers.Stacks.Node;

/// <summary>An account as a Stacks node reports it (<c>GET /v2/accounts/{principal}</c>).</summary>
public sealed record StacksAccount(string Address, UInt128 Balance, UInt128 Locked, ulong Nonce);

/// <summary>
/// What a node says about itself (<c>GET /v2/info</c>): its chain id (<c>network_id</c>: 1 mainnet,
/// 0x80000000 testnet, SIP-005 "Transaction Encoding"), burn and Stacks tip heights and version.
/// </summary>
public sealed record StacksNodeInfo(uint NetworkId, ulong BurnBlockHeight, ulong StacksTipHeight, string ServerVersion)
{
    /// <summary>The network of <see cref="NetworkId"/>, or null for a chain id that is neither mainnet's nor testnet's.</summary>
    public StacksNetwork? Network =>
        NetworkId == StacksNetwork.Mainnet.ChainId ? StacksNetwork.Mainnet : NetworkId == StacksNetwork.Testnet.ChainId ? StacksNetwork.Testnet : null;
}

/// <summary>A fee estimate (<c>POST /v2/fees/transaction</c>): low, middle, high total fees in micro-STX.</summary>
public sealed record StacksFeeEstimate(IReadOnlyList<ulong> Fees, IReadOnlyList<double> FeeRates);

/// <summary>
/// Client of a Stacks node's RPC (<c>/v2/...</c>, stacks-core's net/api): account nonce and balance, fee
/// estimates, broadcast, read-only contract calls, pox info and contract interfaces. Errors are
/// <see cref="StacksException"/> naming the endpoint; the node's own refusal reasons are kept.
/// </summary>
public sealed class StacksNodeClient(HttpClient http)
{
    /// <summary>GET /v2/accounts/{principal}?proof=0.</summary>
    public async Task<StacksAccount> GetAccountAsync(StacksAddress address, CancellationToken ct)
    {
        using var doc = await GetJsonAsync($"/v2/accounts/{address}?proof=0", ct);
        var root = doc.RootElement;
        return new StacksAccount(address.ToString(), HexAmount(root, "balance"), HexAmount(root, "locked"), root.GetProperty("nonce").GetUInt64());
    }

    /// <summary>GET /v2/info: chain id, heights and version.</summary>
    public async Task<StacksNodeInfo> GetInfoAsync(CancellationToken ct)
    {
        using var doc = await GetJsonAsync("/v2/info", ct);
        var root = doc.RootElement;
        try
        {
            return new StacksNodeInfo(
                root.GetProperty("network_id").GetUInt32(),
                root.TryGetProperty("burn_block_height", out var burn) ? burn.GetUInt64() : 0,
                root.TryGetProperty("stacks_tip_height", out var tip) ? tip.GetUInt64() : 0,
                Str(root, "server_version"));
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new StacksException("stacks_node_error", $"stacks node: /v2/info has no numeric network_id: {Short(root.GetRawText())}", ErrorCategory.Unavailable);
        }
    }

    /// <summary>GET /v2/fees/transfer: the node's fee rate for an STX transfer (micro-STX per byte).</summary>
    public async Task<ulong> GetTransferFeeRateAsync(CancellationToken ct)
    {
        using var doc = await GetJsonAsync("/v2/fees/transfer", ct);
        return doc.RootElement.GetUInt64();
    }

    /// <summary>POST /v2/fees/transaction for the payload of <paramref name="tx"/>.</summary>
    public async Task<StacksFeeEstimate> EstimateFeeAsync(StacksTransaction tx, CancellationToken ct)
    {
        byte[] full = tx.Serialize();
        byte[] payload = TransactionCodec.SerializePayload(tx.Payload);
        string body = $"{{\"transaction_payload\":\"0x{Hex.Encode(payload)}\",\"estimated_len\":{full.Length}}}";
        using var doc = await PostJsonAsync("/v2/fees/transaction", body, ct);
        var estimations = doc.RootElement.GetProperty("estimations").EnumerateArray().ToList();
        return new StacksFeeEstimate(
            estimations.Select(e => e.GetProperty("fee").GetUInt64()).ToList(),
            estimations.Select(e => e.GetProperty("fee_rate").GetDouble()).ToList());
    }

    /// <summary>POST /v2/transactions (octet-stream); returns the txid the node accepted.</summary>
    public async Task<string> BroadcastAsync(StacksTransaction tx, CancellationToken ct)
    {
        using var content = new ByteArrayContent(tx.Serialize());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v2/transactions") { Content = content }, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            string reason = text;
            try
            {
                using var doc = JsonDocument.Parse(text);
                reason = $"{Str(doc.RootElement, "error")}: {Str(doc.RootElement, "reason")}".Trim(' ', ':');
            }
            catch (JsonException)
            {
            }

            throw new StacksException("stacks_broadcast_rejected", $"stacks node rejected the transaction ({(int)response.StatusCode}): {Short(reason)}", ErrorCategory.Refused);
        }

        string txid = text.Trim().Trim('"');
        return txid.StartsWith("0x", StringComparison.Ordinal) ? txid[2..] : txid;
    }

    /// <summary>POST /v2/contracts/call-read/{address}/{contract}/{function}: evaluates a read-only function.</summary>
    public async Task<ClarityValue> CallReadOnlyAsync(StacksAddress contractAddress, string contractName, string function, IEnumerable<ClarityValue> args, StacksAddress sender, CancellationToken ct)
    {
        var sb = new StringBuilder("{\"sender\":\"").Append(sender).Append("\",\"arguments\":[");
        sb.AppendJoin(',', args.Select(a => $"\"0x{ClarityCodec.ToHex(a)}\""));
        sb.Append("]}");
        using var doc = await PostJsonAsync($"/v2/contracts/call-read/{contractAddress}/{ClarityValue.CheckContractName(contractName)}/{ClarityValue.CheckName(function, "function name")}", sb.ToString(), ct);
        var root = doc.RootElement;
        if (!root.TryGetProperty("okay", out var okay) || !okay.GetBoolean())
        {
            throw new StacksException("stacks_call_failed", $"stacks read-only call {contractName}.{function} failed: {Short(Str(root, "cause"))}", ErrorCategory.Refused);
        }

        return ClarityCodec.FromHex(root.GetProperty("result").GetString() ?? "");
    }

    /// <summary>GET /v2/pox: the raw PoX document (contract id, current cycle, minimum amount...).</summary>
    public Task<JsonDocument> GetPoxInfoAsync(CancellationToken ct) => GetJsonAsync("/v2/pox", ct);

    /// <summary>GET /v2/contracts/interface/{address}/{contract}: the tokens it declares.</summary>
    public async Task<ContractAssets> GetContractAssetsAsync(StacksAddress address, string contractName, CancellationToken ct) =>
        (await GetContractInterfaceAsync(address, contractName, ct)).Assets;

    /// <summary>GET /v2/contracts/interface/{address}/{contract}: its functions and tokens.</summary>
    public async Task<ContractInterface> GetContractInterfaceAsync(StacksAddress address, string contractName, CancellationToken ct)
    {
        using var doc = await GetJsonAsync($"/v2/contracts/interface/{address}/{ClarityValue.CheckContractName(contractName)}", ct);
        return ContractInterface.FromJson($"{address}.{contractName}", doc.RootElement);
    }

    /// <summary>
    /// Checks a call against the contract's interface (<see cref="ContractInterface.CheckCall"/>); a contract the
    /// node does not know is <c>stacks_unknown_contract</c>.
    /// </summary>
    public async Task CheckCallAsync(StacksAddress address, string contractName, string function, IReadOnlyList<ClarityValue> args, bool transaction, CancellationToken ct)
    {
        ContractInterface contract;
        try
        {
            contract = await GetContractInterfaceAsync(address, contractName, ct);
        }
        catch (StacksException e) when (e.Code == "stacks_node_not_found")
        {
            throw new StacksException("stacks_unknown_contract", $"contract {address}.{contractName} does not exist on the stacks node");
        }

        contract.CheckCall(function, args, transaction);
    }

    /// <summary>Checks every fungible and non-fungible post-condition of <paramref name="tx"/> against the declaring contracts.</summary>
    public async Task CheckPostConditionAssetsAsync(StacksTransaction tx, CancellationToken ct)
    {
        foreach (var pc in tx.PostConditions)
        {
            AssetInfo? asset = pc switch { FungiblePostCondition f => f.Asset, NonFungiblePostCondition n => n.Asset, _ => null };
            if (asset is null)
            {
                continue;
            }

            ContractAssets assets;
            try
            {
                assets = await GetContractAssetsAsync(asset.Address, asset.ContractName, ct);
            }
            catch (StacksException e) when (e.Code == "stacks_node_not_found")
            {
                throw new StacksException("stacks_unknown_asset", $"post-condition: contract {asset.Address}.{asset.ContractName} of asset '{asset.AssetName}' does not exist");
            }

            assets.Check(pc);
        }
    }

    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        return await ReadJsonAsync(response, path, ct);
    }

    private async Task<JsonDocument> PostJsonAsync(string path, string json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await SendAsync(request, ct);
        return await ReadJsonAsync(response, path, ct);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new StacksException("stacks_node_unavailable", $"stacks node {http.BaseAddress}: {e.Message}", ErrorCategory.Unavailable);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new StacksException("stacks_node_unavailable", $"stacks node {http.BaseAddress}: no answer within {http.Timeout.TotalSeconds:0} s", ErrorCategory.Unavailable);
        }
        finally
        {
            request.Dispose();
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string path, CancellationToken ct)
    {
        string text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new StacksException("stacks_node_not_found", $"stacks node: {path.Split('?')[0]} not found", ErrorCategory.NotFound);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new StacksException("stacks_node_error", $"stacks node: {path.Split('?')[0]} answered {(int)response.StatusCode}: {Short(text)}", ErrorCategory.Unavailable);
        }

        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new StacksException("stacks_node_error", $"stacks node: {path.Split('?')[0]} answered non-JSON: {Short(text)}", ErrorCategory.Unavailable);
        }
    }

    private static UInt128 HexAmount(JsonElement root, string property)
    {
        string text = root.GetProperty(property).GetString() ?? "0x0";
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? UInt128.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : UInt128.Parse(text, CultureInfo.InvariantCulture);
    }

    private static string Str(JsonElement root, string property) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var v) ? v.ToString() : "";

    private static string Short(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length > 200 ? text[..200] + "..." : text;
    }
}
