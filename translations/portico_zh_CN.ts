<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>EntityColumns</name>
    <message>
        <source>Services</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Consumers</source>
        <translation>消费者</translation>
    </message>
    <message>
        <source>Plugins</source>
        <translation>插件</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>证书</translation>
    </message>
    <message>
        <source>SNIs</source>
        <translation>SNI</translation>
    </message>
    <message>
        <source>CA certificates</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>协议</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Paths</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Methods</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Protocols</source>
        <translation>协议</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>算法</translation>
    </message>
    <message>
        <source>Slots</source>
        <translation>槽位</translation>
    </message>
    <message>
        <source>Hash on</source>
        <translation>哈希依据</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Custom id</source>
        <translation>自定义 ID</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Consumer</source>
        <translation>消费者</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>证书</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>指纹</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>portico::gui::AdminClient</name>
    <message>
        <source>Disconnected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>正在连接</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>正在重新连接</translation>
    </message>
    <message>
        <source>Refused (check the token)</source>
        <translation>被拒绝（请检查令牌）</translation>
    </message>
    <message>
        <source>Connected to a different version</source>
        <translation>已连接到不同版本</translation>
    </message>
    <message>
        <source>connection closed</source>
        <translation>连接已关闭</translation>
    </message>
    <message>
        <source>not connected to %1</source>
        <translation>未连接到 %1</translation>
    </message>
    <message>
        <source>bad response from the service: %1</source>
        <translation>服务返回了错误的响应：%1</translation>
    </message>
    <message>
        <source>connection lost</source>
        <translation>连接已丢失</translation>
    </message>
    <message>
        <source>cannot reach %1</source>
        <translation>无法访问 %1</translation>
    </message>
</context>
<context>
    <name>portico::gui::ConfigPage</name>
    <message>
        <source>Import and export</source>
        <translation>导入和导出</translation>
    </message>
    <message>
        <source>Import a file…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>An import is previewed first: nothing changes until you apply it.</source>
        <translation>导入会先显示预览：在您应用之前不会有任何更改。</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Entity</source>
        <translation>实体</translation>
    </message>
    <message>
        <source>Name or id</source>
        <translation>名称或 ID</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Roll back to the selected revision</source>
        <translation>回滚到所选修订</translation>
    </message>
    <message>
        <source>Import a configuration</source>
        <translation>导入配置</translation>
    </message>
    <message>
        <source>Configuration (*.yml *.yaml *.json)</source>
        <translation>配置 (*.yml *.yaml *.json)</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>This file cannot be applied: %1</source>
        <translation>无法应用此文件：%1</translation>
    </message>
    <message>
        <source>create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>update</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>The file matches the live configuration.</source>
        <translation>该文件与当前配置一致。</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) would be made. Apply them?</source>
        <translation><numerusform>将进行 %n 项更改。要应用吗？</numerusform></translation>
    </message>
    <message>
        <source>Applied.</source>
        <translation>已应用。</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>未应用：%1</translation>
    </message>
    <message>
        <source>Export the configuration</source>
        <translation>导出配置</translation>
    </message>
    <message>
        <source>YAML (*.yml *.yaml);;JSON (*.json)</source>
        <translation>YAML (*.yml *.yaml);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>Exported to %1.</source>
        <translation>已导出到 %1。</translation>
    </message>
    <message>
        <source>Roll back</source>
        <translation>回滚</translation>
    </message>
    <message>
        <source>Make revision %1's configuration the live one again?</source>
        <translation>要将修订 %1 的配置重新设为当前配置吗？</translation>
    </message>
    <message>
        <source>Rolled back.</source>
        <translation>已回滚。</translation>
    </message>
    <message>
        <source>Not rolled back: %1</source>
        <translation>未回滚：%1</translation>
    </message>
</context>
<context>
    <name>portico::gui::DashboardPage</name>
    <message>
        <source>Requests per second</source>
        <translation>每秒请求数</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>req/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>Errors per second</source>
        <translation>每秒错误数</translation>
    </message>
    <message>
        <source>4xx</source>
        <translation>4xx</translation>
    </message>
    <message>
        <source>5xx</source>
        <translation>5xx</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Busiest (last second)</source>
        <translation>最繁忙（最近一秒）</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Since the console connected: %1 requests, %2 errors; %3 open connections</source>
        <translation>自控制台连接以来：%1 个请求，%2 个错误；%3 个打开的连接</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Version %1, role %2, revision %3</source>
        <translation>版本 %1，角色 %2，修订 %3</translation>
    </message>
    <message>
        <source>Up %1 h %2 min; %3 connections open</source>
        <translation>已运行 %1 小时 %2 分钟；%3 个连接打开</translation>
    </message>
    <message>
        <source>(no route)</source>
        <translation>（无路由）</translation>
    </message>
    <message>
        <source>route</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>service</source>
        <translation>服务</translation>
    </message>
</context>
<context>
    <name>portico::gui::EntityDialog</name>
    <message>
        <source>New: %1</source>
        <translation>新建：%1</translation>
    </message>
    <message>
        <source>Duplicate: %1</source>
        <translation>复制：%1</translation>
    </message>
    <message>
        <source>Edit: %1</source>
        <translation>编辑：%1</translation>
    </message>
    <message>
        <source>Loading the form…</source>
        <translation>正在加载表单…</translation>
    </message>
    <message>
        <source>The form could not be loaded: %1</source>
        <translation>无法加载表单：%1</translation>
    </message>
    <message>
        <source>Fields marked * are required; hover a field for its help.</source>
        <translation>标有 * 的字段为必填项；将鼠标悬停在字段上可查看帮助。</translation>
    </message>
    <message>
        <source>Not saved: correct the fields shown in red.</source>
        <translation>未保存：请更正以红色显示的字段。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
</context>
<context>
    <name>portico::gui::EntityPage</name>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Enable/Disable</source>
        <translation>启用/禁用</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Filter by text, or tag:name</source>
        <translation>按文本筛选，或使用 tag:名称</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation><numerusform>%n 项</numerusform></translation>
    </message>
    <message>
        <source>Could not load: %1</source>
        <translation>无法加载：%1</translation>
    </message>
    <message>
        <source>Delete %1 "%2"?</source>
        <translation>删除%1“%2”？</translation>
    </message>
    <message>
        <source>Deleted with it: %1.</source>
        <translation>将一并删除：%1。</translation>
    </message>
    <message>
        <source>Still referring to it, so the service will refuse: %1.</source>
        <translation>仍有引用，因此服务将拒绝：%1。</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状态</translation>
    </message>
    <message>
        <source>Addresses</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Targets and their health</source>
        <translation>目标及其健康状态</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 失败：%2</translation>
    </message>
</context>
<context>
    <name>portico::gui::MainWindow</name>
    <message>
        <source>Portico Console</source>
        <translation>Portico 控制台</translation>
    </message>
    <message>
        <source>Open the console</source>
        <translation>打开控制台</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>仪表板</translation>
    </message>
    <message>
        <source>Live traffic</source>
        <translation>实时流量</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Not live</source>
        <translation>非实时</translation>
    </message>
    <message>
        <source>Portico: %1</source>
        <translation>Portico：%1</translation>
    </message>
    <message>
        <source>Route map</source>
        <translation>路由图</translation>
    </message>
</context>
<context>
    <name>portico::gui::RouteMapPage</name>
    <message>
        <source>Test a request:</source>
        <translation>测试请求：</translation>
    </message>
    <message>
        <source>host, e.g. api.example.com</source>
        <translation>主机，例如 api.example.com</translation>
    </message>
    <message>
        <source>path, e.g. /orders/42</source>
        <translation>路径，例如 /orders/42</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Drag from a service to the routes column to add a route to it; double-click a box to edit it.</source>
        <translation>从服务拖到路由列即可为其添加路由；双击方框可编辑。</translation>
    </message>
    <message>
        <source>Select a box to see its details.</source>
        <translation>选择一个方框以查看其详细信息。</translation>
    </message>
    <message>
        <source>Proxy listeners</source>
        <translation>代理监听地址</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>（未知）</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>已禁用</translation>
    </message>
    <message>
        <source>no service</source>
        <translation>无服务</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>权重 %1</translation>
    </message>
    <message>
        <source>The first %1 routes are drawn; the Routes page lists them all.</source>
        <translation>仅绘制前 %1 条路由；“路由”页面列出全部。</translation>
    </message>
    <message>
        <source>Cannot test this request: %1</source>
        <translation>无法测试此请求：%1</translation>
    </message>
    <message>
        <source>No route matches: the proxy answers 404.</source>
        <translation>没有匹配的路由：代理将返回 404。</translation>
    </message>
    <message>
        <source>Route %1 → service %2 (matched "%3")</source>
        <translation>路由 %1 → 服务 %2（匹配“%3”）</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>— over http the client is redirected to https.</source>
        <translation>— 通过 http 访问时客户端会被重定向到 https。</translation>
    </message>
    <message>
        <source>consumer</source>
        <translation>消费者</translation>
    </message>
</context>
<context>
    <name>portico::gui::SchemaForm</name>
    <message>
        <source>(not set)</source>
        <translation>（未设置）</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>comma-separated</source>
        <translation>以逗号分隔</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 到 %2</translation>
    </message>
</context>
<context>
    <name>portico::gui::SettingsPage</name>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Local service (socket)</source>
        <translation>本地服务（套接字）</translation>
    </message>
    <message>
        <source>Remote Admin API (URL and token)</source>
        <translation>远程 Admin API（URL 和令牌）</translation>
    </message>
    <message>
        <source>Socket path</source>
        <translation>套接字路径</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message numerus="yes">
        <source>every %n second(s)</source>
        <translation><numerusform>每 %n 秒</numerusform></translation>
    </message>
    <message>
        <source>Charts redrawn</source>
        <translation>图表刷新</translation>
    </message>
</context>
<context>
    <name>portico::gui::TrafficModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Latency (ms)</source>
        <translation>延迟（毫秒）</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Consumer</source>
        <translation>消费者</translation>
    </message>
</context>
<context>
    <name>portico::gui::TrafficPage</name>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Filter by method, host, path, status…</source>
        <translation>按方法、主机、路径、状态筛选…</translation>
    </message>
    <message>
        <source>Select a request to see all it recorded.</source>
        <translation>选择一个请求以查看其全部记录。</translation>
    </message>
</context>
</TS>