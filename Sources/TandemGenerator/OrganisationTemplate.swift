/// The shape of the sample company 星海科技 (Xinghai Technology): departments by layer, each
/// with its teams, their stated attributes and the management mode they use today.
///
/// `trueUncertainty` is hidden: it is not written to the organisation file. Most units state
/// their uncertainty correctly; a few do not, which is part of what a forecast has to live with.
struct TeamTemplate {
    var id: String
    var name: String
    var gloss: String
    var uncertainty: String?      // nil: inherited from the department
    var autonomy: String?
    var trialCost: String?
    var mode: String              // the management mode the unit uses today
    var trueUncertainty: Double   // 0 (stable) … 1 (highly uncertain)
    var headcount: Int
}

struct DepartmentTemplate {
    var id: String
    var name: String
    var gloss: String
    var layer: String
    var function: String
    var uncertainty: String
    var autonomy: String
    var trialCost: String
    var mode: String
    var metrics: [MetricTemplate]
    var teams: [TeamTemplate]
}

/// A kind of key result a unit of some function sets, with how its numbers look.
struct MetricTemplate {
    enum Shape { case count, percent, money, milestone, duration }
    var title: String          // with {target} for the target value
    var unit: String
    var shape: Shape
    var decreasing: Bool
    var base: ClosedRange<Double>
    /// Typical relative change aimed for in a quarter.
    var stretch: ClosedRange<Double>
}

enum OrganisationTemplate {
    static let company = (id: "xh", name: "星海科技", gloss: "Xinghai Technology")

    static func m(_ title: String, _ unit: String, _ shape: MetricTemplate.Shape, down: Bool = false,
                  base: ClosedRange<Double>, stretch: ClosedRange<Double>) -> MetricTemplate {
        MetricTemplate(title: title, unit: unit, shape: shape, decreasing: down, base: base, stretch: stretch)
    }

    static func t(_ id: String, _ name: String, _ gloss: String, u: String? = nil, a: String? = nil,
                  c: String? = nil, mode: String, truth: Double, people: Int) -> TeamTemplate {
        TeamTemplate(id: id, name: name, gloss: gloss, uncertainty: u, autonomy: a, trialCost: c,
                     mode: mode, trueUncertainty: truth, headcount: people)
    }

    static let milestones = [
        m("完成{target}个里程碑：新一代平台上线", "个", .milestone, base: 0...0, stretch: 4...4),
    ]

    static let departments: [DepartmentTemplate] = [
        DepartmentTemplate(
            id: "rd", name: "研发中心", gloss: "R&D Centre", layer: "front", function: "rd",
            uncertainty: "high", autonomy: "high", trialCost: "low", mode: "okr",
            metrics: [
                m("核心服务 P99 延迟降至 {target} 毫秒", "ms", .duration, down: true, base: 180...420, stretch: 0.2...0.45),
                m("模型离线评测准确率提升到 {target}%", "%", .percent, base: 71...86, stretch: 0.03...0.09),
                m("平台迁移完成 {target} 个阶段, 含灰度与回滚演练", "阶段", .milestone, base: 0...0, stretch: 4...4),
                m("自动化测试覆盖率达到 {target}%", "%", .percent, base: 38...62, stretch: 0.15...0.4),
                m("线上严重缺陷数降至 {target} 个", "个", .count, down: true, base: 14...40, stretch: 0.3...0.6),
            ],
            teams: [
                t("platform", "平台架构组", "Platform Architecture", u: "medium", mode: "okr", truth: 0.55, people: 18),
                t("algo", "算法研究组", "Algorithms Research", mode: "kpi", truth: 0.92, people: 14),
                t("frontend", "前端体验组", "Front-end Experience", u: "medium", mode: "hybrid", truth: 0.5, people: 12),
                t("data", "数据智能组", "Data Intelligence", mode: "okr", truth: 0.85, people: 11),
                t("cloud", "云原生组", "Cloud Native", u: "medium", c: "medium", mode: "hybrid", truth: 0.45, people: 10),
            ]),
        DepartmentTemplate(
            id: "product", name: "产品部", gloss: "Product", layer: "front", function: "product",
            uncertainty: "high", autonomy: "high", trialCost: "low", mode: "okr",
            metrics: [
                m("新功能周活跃用户达到 {target} 人", "人", .count, base: 8000...40000, stretch: 0.2...0.6),
                m("用户留存率 (次月) 提升到 {target}%", "%", .percent, base: 28...45, stretch: 0.08...0.2),
                m("完成 {target} 轮用户访谈与可用性测试", "轮", .milestone, base: 0...0, stretch: 4...4),
                m("NPS 提升到 {target}", "分", .count, base: 12...35, stretch: 0.2...0.6),
            ],
            teams: [
                t("planning", "产品规划组", "Product Planning", mode: "okr", truth: 0.75, people: 8),
                t("research", "用户研究组", "User Research", u: "medium", mode: "okr", truth: 0.6, people: 6),
                t("growth", "增长产品组", "Growth Product", mode: "kpi", truth: 0.88, people: 9),
            ]),
        DepartmentTemplate(
            id: "ventures", name: "新业务部", gloss: "New Ventures", layer: "front", function: "new_business",
            uncertainty: "high", autonomy: "high", trialCost: "low", mode: "okr",
            metrics: [
                m("新市场签约客户达到 {target} 家", "家", .count, base: 3...15, stretch: 0.6...1.6),
                m("孵化项目完成 {target} 个验证节点", "个", .milestone, base: 0...0, stretch: 4...4),
                m("试点收入达到 {target} 万元", "万元", .money, base: 40...180, stretch: 0.5...1.2),
            ],
            teams: [
                t("overseas", "海外拓展组", "Overseas Expansion", mode: "okr", truth: 0.9, people: 7),
                t("hardware", "智能硬件孵化组", "Smart Hardware Incubator", c: "medium", mode: "hybrid", truth: 0.8, people: 9),
            ]),
        DepartmentTemplate(
            id: "marketing", name: "市场部", gloss: "Marketing", layer: "front", function: "marketing",
            uncertainty: "medium", autonomy: "medium", trialCost: "low", mode: "hybrid",
            metrics: [
                m("品牌搜索指数提升到 {target}", "点", .count, base: 1200...4000, stretch: 0.15...0.4),
                m("线索转化率提升到 {target}%", "%", .percent, base: 2...6, stretch: 0.15...0.5),
                m("获客成本降至 {target} 元", "元", .money, down: true, base: 180...420, stretch: 0.1...0.25),
            ],
            teams: [
                t("brand", "品牌组", "Brand", mode: "hybrid", truth: 0.5, people: 6),
                t("digital", "数字营销组", "Digital Marketing", u: "high", mode: "okr", truth: 0.7, people: 8),
            ]),
        DepartmentTemplate(
            id: "lab", name: "创新实验室", gloss: "Innovation Lab", layer: "front", function: "lab",
            uncertainty: "high", autonomy: "high", trialCost: "low", mode: "okr",
            metrics: [
                m("发表或提交专利 {target} 项", "项", .count, base: 1...5, stretch: 0.8...2.0),
                m("原型验证完成 {target} 个关键节点", "个", .milestone, base: 0...0, stretch: 4...4),
            ],
            teams: []),
        DepartmentTemplate(
            id: "hr", name: "人力资源部", gloss: "Human Resources", layer: "middle", function: "hr",
            uncertainty: "low", autonomy: "medium", trialCost: "medium", mode: "hybrid",
            metrics: [
                m("关键岗位招聘到岗 {target} 人", "人", .count, base: 5...30, stretch: 0.3...0.8),
                m("核心员工流失率降至 {target}%", "%", .percent, down: true, base: 8...16, stretch: 0.15...0.35),
                m("绩效面谈按时完成率达到 {target}%", "%", .percent, base: 70...88, stretch: 0.08...0.2),
            ],
            teams: [
                t("recruiting", "招聘组", "Recruiting", u: "medium", mode: "hybrid", truth: 0.45, people: 6),
                t("comp", "薪酬绩效组", "Compensation & Performance", mode: "kpi", truth: 0.2, people: 5),
            ]),
        DepartmentTemplate(
            id: "finance", name: "财务部", gloss: "Finance", layer: "middle", function: "finance",
            uncertainty: "low", autonomy: "low", trialCost: "high", mode: "kpi",
            metrics: [
                m("月结关账天数降至 {target} 天", "天", .duration, down: true, base: 6...10, stretch: 0.2...0.4),
                m("应收账款周转天数降至 {target} 天", "天", .duration, down: true, base: 45...80, stretch: 0.08...0.2),
                m("预算执行偏差控制在 {target}%", "%", .percent, down: true, base: 8...15, stretch: 0.2...0.4),
            ],
            teams: [
                t("accounting", "会计核算组", "Accounting", mode: "kpi", truth: 0.1, people: 7),
                t("treasury", "资金管理组", "Treasury", mode: "kpi", truth: 0.2, people: 4),
            ]),
        DepartmentTemplate(
            id: "legal", name: "法务部", gloss: "Legal", layer: "middle", function: "legal",
            uncertainty: "low", autonomy: "medium", trialCost: "high", mode: "kpi",
            metrics: [
                m("合同审核平均时长降至 {target} 天", "天", .duration, down: true, base: 4...8, stretch: 0.2...0.4),
                m("合规培训覆盖率达到 {target}%", "%", .percent, base: 60...85, stretch: 0.1...0.3),
            ],
            teams: []),
        DepartmentTemplate(
            id: "it", name: "IT平台部", gloss: "IT Platform", layer: "middle", function: "it",
            uncertainty: "medium", autonomy: "medium", trialCost: "medium", mode: "hybrid",
            metrics: [
                m("内部系统可用性达到 {target}%", "%", .percent, base: 99.0...99.6, stretch: 0.001...0.003),
                m("工单平均解决时长降至 {target} 小时", "小时", .duration, down: true, base: 10...30, stretch: 0.2...0.4),
                m("完成 {target} 个系统上云阶段", "个", .milestone, base: 0...0, stretch: 4...4),
            ],
            teams: [
                t("ops", "运维组", "Site Operations", u: "low", mode: "kpi", truth: 0.25, people: 8),
                t("security", "信息安全组", "Information Security", mode: "hybrid", truth: 0.5, people: 5),
            ]),
        DepartmentTemplate(
            id: "operations", name: "运营中心", gloss: "Operations Centre", layer: "back", function: "operations",
            uncertainty: "low", autonomy: "low", trialCost: "high", mode: "kpi",
            metrics: [
                m("客服一次解决率提升到 {target}%", "%", .percent, base: 72...86, stretch: 0.04...0.1),
                m("订单准时履约率达到 {target}%", "%", .percent, base: 90...96, stretch: 0.01...0.04),
                m("客户投诉量降至 {target} 件", "件", .count, down: true, base: 120...400, stretch: 0.1...0.3),
            ],
            teams: [
                t("service", "客户服务组", "Customer Service", mode: "kpi", truth: 0.15, people: 30),
                t("fulfilment", "订单履约组", "Order Fulfilment", mode: "kpi", truth: 0.2, people: 22),
            ]),
        DepartmentTemplate(
            id: "production", name: "生产部", gloss: "Production", layer: "back", function: "production",
            uncertainty: "low", autonomy: "low", trialCost: "high", mode: "kpi",
            metrics: [
                m("产线良率提升到 {target}%", "%", .percent, base: 94...98, stretch: 0.005...0.02),
                m("单位制造成本降至 {target} 元", "元", .money, down: true, base: 80...140, stretch: 0.03...0.08),
                m("设备综合效率 (OEE) 达到 {target}%", "%", .percent, base: 68...80, stretch: 0.03...0.08),
                m("交付准时率达到 {target}%", "%", .percent, base: 90...96, stretch: 0.01...0.04),
            ],
            teams: [
                t("line1", "一号产线", "Production Line 1", mode: "kpi", truth: 0.1, people: 45),
                t("line2", "二号产线", "Production Line 2", mode: "okr", truth: 0.12, people: 40),
                t("quality", "质量控制组", "Quality Control", mode: "kpi", truth: 0.2, people: 12),
            ]),
        DepartmentTemplate(
            id: "delivery", name: "交付部", gloss: "Delivery", layer: "back", function: "delivery",
            uncertainty: "low", autonomy: "medium", trialCost: "high", mode: "kpi",
            metrics: [
                m("项目按期交付率达到 {target}%", "%", .percent, base: 78...90, stretch: 0.04...0.1),
                m("实施周期缩短至 {target} 天", "天", .duration, down: true, base: 40...75, stretch: 0.1...0.25),
                m("客户验收一次通过率达到 {target}%", "%", .percent, base: 80...92, stretch: 0.03...0.08),
            ],
            teams: [
                t("implementation", "实施交付组", "Implementation", u: "medium", mode: "hybrid", truth: 0.4, people: 20),
                t("support", "售后支持组", "After-sales Support", mode: "kpi", truth: 0.15, people: 16),
            ]),
        DepartmentTemplate(
            id: "sales", name: "销售部", gloss: "Sales", layer: "back", function: "sales",
            uncertainty: "medium", autonomy: "medium", trialCost: "medium", mode: "kpi",
            metrics: [
                m("季度新签合同额达到 {target} 万元", "万元", .money, base: 800...3000, stretch: 0.1...0.3),
                m("回款率达到 {target}%", "%", .percent, base: 80...92, stretch: 0.03...0.08),
                m("新客户数达到 {target} 家", "家", .count, base: 20...60, stretch: 0.15...0.4),
            ],
            teams: [
                t("east", "华东大区", "East China Region", mode: "kpi", truth: 0.35, people: 25),
                t("south", "华南大区", "South China Region", mode: "kpi", truth: 0.4, people: 20),
                t("key-accounts", "大客户组", "Key Accounts", u: "high", a: "high", mode: "hybrid", truth: 0.6, people: 10),
            ]),
    ]

    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
                           "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"]
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
                             "超", "秀英", "霞", "平", "刚", "桂英", "晨", "宇", "欣怡", "子涵", "浩然", "思远", "雨桐",
                             "一鸣", "嘉怡"]
}
