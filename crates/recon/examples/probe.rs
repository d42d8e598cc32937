use rust_decimal::Decimal;
use std::str::FromStr;
fn main() {
    let a = Decimal::MAX;
    let b = Decimal::from_str("0.5").unwrap();
    println!("{:?}", a.checked_add(b));
    let a = Decimal::from_str("79228162514264337593543950").unwrap();
    let b = Decimal::from_str("0.001").unwrap();
    let c = a.checked_add(b);
    println!("{:?} scale {:?}", c, c.map(|c| c.scale()));
    println!("{:?}", Decimal::from_str_exact("1.0000000000000000000000000001"));
    println!("{:?}", Decimal::from_str_exact("0.00000000000000000000000000001"));
    println!("{:?}", Decimal::from_str_exact("-0.00"));
    let z = Decimal::from_str("1.50").unwrap() - Decimal::from_str("1.50").unwrap();
    println!("{} {}", z, Decimal::from_str("-0.00").unwrap());
    println!("{}", Decimal::from_str("1.50").unwrap() + Decimal::from_str("1.250").unwrap());
    println!("{}", Decimal::from_str("24.60").unwrap().normalize());
    println!("{}", Decimal::from_str("-0.00").unwrap().normalize());
    println!("{:?}", Decimal::from_str_exact("99999999999999999999999999999"));
    println!("{:?}", Decimal::from_str_exact("1e5"));
}
